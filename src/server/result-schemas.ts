/**
 * What the reading routes answer, as zod schemas: the OpenAPI document (api.ts) describes each
 * response from these, field by field, instead of `unknown`. They are written beside the
 * TypeScript types they describe (src/metrics/results/**, the envelope of
 * metrics/report-envelope.ts) and checked against them at compile time (ResultSchemaChecks at
 * the end): a field renamed, added, dropped or made optional on either side fails the type
 * check here, as it fails the dashboard's. The server does not validate its answers with them.
 */
import { z } from "zod";
import type { activityQuality } from "../metrics/definitions/activity-quality.js";
import type { contentShares } from "../metrics/definitions/content-shares.js";
import type { engagement } from "../metrics/definitions/engagement.js";
import type { funnel } from "../metrics/definitions/funnel.js";
import type { losses } from "../metrics/definitions/losses.js";
import type { newsletterLeads } from "../metrics/definitions/newsletter-leads.js";
import type { qualifiedLeads } from "../metrics/definitions/qualified-leads.js";
import type { socialConversions } from "../metrics/definitions/social-conversions.js";
import type { velocity } from "../metrics/definitions/velocity.js";
import type { ReportEnvelope } from "../metrics/report-envelope.js";
import type * as activityQualityTypes from "../metrics/results/activity-quality.js";
import type * as checkTypes from "../metrics/results/check.js";
import type * as commonTypes from "../metrics/results/common.js";
import type * as contentSharesTypes from "../metrics/results/content-shares.js";
import type * as doctorTypes from "../metrics/results/doctor.js";
import type * as engagementTypes from "../metrics/results/engagement.js";
import type * as funnelTypes from "../metrics/results/funnel.js";
import type * as leadPlanTypes from "../metrics/results/lead-plan.js";
import type * as leadSearchTypes from "../metrics/results/lead-search.js";
import type * as leadTimelineTypes from "../metrics/results/lead-timeline.js";
import type * as lossesTypes from "../metrics/results/losses.js";
import type * as newsletterLeadsTypes from "../metrics/results/newsletter-leads.js";
import type * as qualifiedLeadsTypes from "../metrics/results/qualified-leads.js";
import type * as socialConversionsTypes from "../metrics/results/social-conversions.js";
import type * as stalledLeadsTypes from "../metrics/results/stalled-leads.js";
import type * as velocityTypes from "../metrics/results/velocity.js";
import { STALLED_SORTS } from "../metrics/stalled-page.js";
import { DATA_CAPABILITIES } from "../model/capabilities.js";

// ---------------------------------------------------------------------------------------------
// What every answer shares (results/common.ts)

const num = z.number();
const nullableNumber = z.number().nullable();
const Interval = z.object({ low: num, high: num });

const Format = z.enum(["text", "count", "number", "percent", "money", "days", "date"]);
const VanityId = z.enum([
  "activities",
  "activity-conversion",
  "total-sales",
  "visits",
  "new-leads",
  "followers",
  "impressions",
  "subscribers",
]);
const DataArea = z.enum(["sales", "web", "social", "newsletter"]);
const DataCapability = z.enum(DATA_CAPABILITIES);

const Clusters = { clusters: num.optional(), sumOfSquares: num.optional() };
const Evidence = z
  .discriminatedUnion("kind", [
    z.object({ kind: z.literal("count"), n: num, ...Clusters }),
    z.object({ kind: z.literal("rate"), successes: num, trials: num }),
    z.object({ kind: z.literal("per"), events: num, exposure: num, ...Clusters }),
    z.object({ kind: z.literal("median"), n: num, low: nullableNumber, high: nullableNumber }),
    z.object({ kind: z.literal("sum"), n: num, sumOfSquares: num }),
    z.object({ kind: z.literal("level"), n: num }),
  ])
  .meta({ id: "Evidence", description: "the n behind a figure, and what its sampling noise is judged from" });

const Words = z.object({ en: z.string(), sv: z.string() });
const FigureUnsupported = z
  .object({
    reason: z.string(),
    fix: z.string().nullable(),
    sv: z.object({ reason: z.string(), fix: z.string().nullable() }),
  })
  .meta({
    id: "FigureUnsupported",
    description: "why the data cannot support the figure, and what fixes it (`sv`: in Swedish)",
  });
const Unsupported = z.object({ capability: DataCapability, message: z.string() });
const RankSumTest = z.object({ u: num, z: nullableNumber, pValue: num });

const Judgement = z
  .object({
    movement: z.enum(["up", "down", "within"]).nullable(),
    signal: z.boolean(),
    sampling: z.object({
      method: z.enum([
        "poisson",
        "quasi-poisson",
        "newcombe",
        "median-intervals",
        "compound-poisson",
        "gain-poisson",
        "none",
      ]),
      passed: z.boolean().nullable(),
      pValue: nullableNumber,
      interval: Interval.nullable(),
    }),
    variation: z.object({ periods: num, centre: num, low: num, high: num, passed: z.boolean() }).nullable(),
    normalRange: Interval.nullable(),
    reason: z.string().nullable(),
  })
  .meta({
    id: "Judgement",
    description: "whether a change is beyond sampling noise (and, in the check, normal variation)",
  });

const Headline = z.object({
  key: z.string(),
  label: z.string(),
  value: nullableNumber,
  format: Format,
  evidence: Evidence.nullable().optional(),
  unsupported: FigureUnsupported.optional(),
});

const Span = z.object({ label: z.string(), start: z.string(), end: z.string() });

const ResolvedFilters = z.object({
  pipeline: z.object({ id: z.string(), name: z.string() }).nullable(),
  team: z.string().nullable(),
  rep: z.object({ id: z.string(), name: z.string() }).nullable(),
  source: z.string().nullable(),
});

/** The envelope every metric comes in (MetricReport without its `metric`, `result` and `previous`). */
const ReportEnvelopeFields = z.object({
  title: z.string(),
  why: z.string(),
  definition: z.string(),
  replaces: z.array(VanityId),
  period: Span,
  comparison: Span.nullable(),
  filters: ResolvedFilters,
  ignoredFilters: z.array(z.string()).describe("filters that do not apply to this metric"),
  currency: z.string().nullable(),
  otherCurrencies: z.record(z.string(), num),
  asOf: z.string(),
  asOfSource: z.enum(["period", "sales", "web", "social", "newsletter", "none"]),
  unsupported: z.array(Unsupported),
  headlines: z.array(
    Headline.extend({
      previous: nullableNumber,
      previousEvidence: Evidence.nullable(),
      change: nullableNumber,
      judgement: Judgement.nullable().optional(),
    }),
  ),
  vanity: z.array(
    z.object({
      id: VanityId,
      label: z.string(),
      value: nullableNumber,
      format: Format,
      previous: nullableNumber,
      change: nullableNumber,
      evidence: Evidence.nullable(),
      previousEvidence: Evidence.nullable(),
      judgement: Judgement.nullable().optional(),
      unsupported: FigureUnsupported.optional(),
    }),
  ),
});

// ---------------------------------------------------------------------------------------------
// Each metric's result (results/<metric>.ts)

const ActivityType = z.enum(["call", "email", "meeting", "demo", "note", "task", "other"]);
const ActivityFigures = z.object({
  activities: nullableNumber,
  activitiesByType: z.record(ActivityType, num).nullable(),
  opportunitiesCreated: num,
  activitiesPerOpportunity: nullableNumber,
  activitiesPerWonLead: nullableNumber,
  realNotes: nullableNumber,
  realNoteShare: nullableNumber,
  medianNoteLength: nullableNumber,
  medianHoursToFirstActivity: nullableNumber,
  leadsWithoutActivity: nullableNumber,
});
const SalesFigures = z.object({
  wonValue: nullableNumber,
  wonLeads: num,
  lostLeads: num,
  winRate: nullableNumber,
  averageWonValue: nullableNumber,
  medianDaysToWin: nullableNumber,
});
const PerformerGroup = ActivityFigures.extend({ repIds: z.array(z.string()), wonValue: num });
const ActivityMix = z.object({
  leads: num,
  perLead: nullableNumber,
  perLeadByType: z.record(ActivityType, nullableNumber),
});
const ActivityQualityResult = z
  .object({
    team: ActivityFigures.extend(SalesFigures.shape),
    reps: z.array(
      ActivityFigures.extend(SalesFigures.shape).extend({
        repId: z.string(),
        repName: z.string(),
        group: z.enum(["top", "bottom"]).nullable(),
      }),
    ),
    performers: z
      .object({
        share: num,
        groupSize: num,
        top: PerformerGroup,
        bottom: PerformerGroup,
        differences: z.array(
          z.object({
            feature: z.union([
              z.enum([
                "activitiesPerOpportunity",
                "activitiesPerWonLead",
                "realNoteShare",
                "medianNoteLength",
                "medianHoursToFirstActivity",
              ]),
              z.templateLiteral([ActivityType, "Share"]),
            ]),
            top: num,
            bottom: num,
            relativeDifference: num,
            sentence: z.string(),
          }),
        ),
      })
      .nullable(),
    mixWonLost: z.object({ won: ActivityMix, lost: ActivityMix }).nullable(),
    wonAmounts: z.object({ n: num, sumOfSquares: num }).nullable(),
    activityClusters: z.object({ clusters: num, sumOfSquares: num }).nullable(),
    unsupported: z.array(Unsupported),
  })
  .meta({ id: "ActivityQualityResult" });

const StageCounts = z.object({ reached: num, advanced: num, lostAt: num, openAt: num, cancelledAt: num });
const StatusTotals = z.object({
  cohort: num,
  won: num,
  lost: num,
  open: num,
  cancelled: num,
  winRate: nullableNumber.describe("won / (won + lost); null when neither"),
});
const Flag = z.enum(["above", "below"]);
const FunnelResult = StatusTotals.extend({
  conversionIncludingOpen: nullableNumber,
  winRateUnsupported: FigureUnsupported.nullable(),
  pipelines: z.array(
    StatusTotals.extend({
      pipelineId: z.string(),
      pipelineName: z.string(),
      stages: z.array(
        StageCounts.extend({
          stageId: z.string(),
          stageName: z.string(),
          position: num,
          conversion: nullableNumber,
          interval: Interval.nullable(),
        }),
      ),
    }),
  ),
  reps: z.array(
    StatusTotals.extend({
      repId: z.string(),
      repName: z.string(),
      stages: z.array(
        StageCounts.extend({
          pipelineId: z.string(),
          stageId: z.string(),
          stageName: z.string(),
          conversion: nullableNumber,
          interval: Interval.nullable(),
          team: z.object({
            advanced: num,
            lostAt: num,
            conversion: nullableNumber,
            interval: Interval.nullable(),
          }),
          flag: Flag.nullable(),
        }),
      ),
    }),
  ),
  flags: z.array(
    z.object({
      repId: z.string(),
      repName: z.string(),
      pipelineId: z.string(),
      pipelineName: z.string(),
      stageId: z.string(),
      stageName: z.string(),
      advanced: num,
      decided: num,
      conversion: nullableNumber,
      interval: Interval.nullable(),
      teamAdvanced: num,
      teamDecided: num,
      teamConversion: nullableNumber,
      teamInterval: Interval.nullable(),
      flag: Flag,
    }),
  ),
}).meta({ id: "FunnelResult" });

const DurationStats = z.object({
  leads: num,
  median: nullableNumber,
  p75: nullableNumber,
  p90: nullableNumber,
  low: nullableNumber,
  high: nullableNumber,
});
const VelocityGroup = z.object({
  won: DurationStats,
  lost: DurationStats,
  loseToWinRatio: nullableNumber,
  heldLonger: z.boolean().nullable(),
  heldLongerTest: RankSumTest.nullable(),
});
const VelocityResult = VelocityGroup.extend({
  from: z.enum(["qualification", "creation"]),
  everyLeadCounts: z.boolean(),
  unsupportedFigures: z.object({
    qualification: FigureUnsupported.nullable(),
    losses: FigureUnsupported.nullable(),
    amounts: FigureUnsupported.nullable(),
  }),
  unqualifiedLost: num,
  distribution: z.array(z.object({ range: z.string(), won: num, lost: num })),
  byRep: z.array(VelocityGroup.extend({ repId: z.string().nullable(), repName: z.string() })),
  bySource: z.array(VelocityGroup.extend({ source: z.string() })),
  daysInStage: z
    .array(
      z.object({
        pipelineId: z.string(),
        pipelineName: z.string(),
        stageId: z.string(),
        stageName: z.string(),
        position: num,
        leads: num,
        medianDays: nullableNumber,
      }),
    )
    .nullable(),
  velocity: z.object({
    openQualifiedLeads: nullableNumber,
    winRate: nullableNumber,
    averageWonValue: nullableNumber,
    medianDaysToWin: nullableNumber,
    perDay: nullableNumber,
  }),
  unsupported: z.array(Unsupported),
}).meta({ id: "VelocityResult" });

const LossCount = z.object({ leads: num, value: nullableNumber });
const LossesResult = LossCount.extend({
  valuedLeads: nullableNumber,
  valueSumOfSquares: nullableNumber,
  byReason: z.array(LossCount.extend({ reason: z.string(), share: num })).nullable(),
  byStage: z.array(LossCount.extend({ pipelineId: z.string(), pipelineName: z.string(), stage: z.string() })),
  byCompetitor: z.array(LossCount.extend({ competitor: z.string() })),
  byRep: z.array(LossCount.extend({ repId: z.string().nullable(), repName: z.string() })),
  trend: z.array(LossCount.extend({ bucket: z.string() })),
}).meta({ id: "LossesResult" });

const EngagementBucketRow = z.object({
  bucket: z.string(),
  visitors: num,
  convertedVisitors: num,
  conversionRate: nullableNumber,
});
const VisitBucketRow = z.object({ bucket: z.string(), visits: num });
const EngagementResult = z
  .object({
    visits: nullableNumber,
    pageviews: nullableNumber,
    visitors: nullableNumber,
    returningVisitors: nullableNumber,
    returningShare: nullableNumber,
    convertedVisitors: nullableNumber,
    conversionRate: nullableNumber,
    visitBuckets: z.array(z.string()),
    dayBuckets: z.array(z.string()),
    grid: z.array(z.object({ visits: z.string(), visitors: z.array(num) })),
    byFrequency: z.array(EngagementBucketRow),
    byRecency: z.array(EngagementBucketRow),
    byVisitNumber: z.array(VisitBucketRow),
    byDaysSincePrevious: z.array(VisitBucketRow),
  })
  .meta({ id: "EngagementResult" });

const QualifiedLeadsRow = z.object({
  newLeads: num,
  qualifiedLeads: num,
  newLeadsQualified: num,
  qualificationRate: nullableNumber,
});
const QualifiedLeadsResult = QualifiedLeadsRow.extend({
  qualificationUnsupported: FigureUnsupported.nullable(),
  unsupported: z.array(Unsupported),
  bySource: z.array(QualifiedLeadsRow.extend({ source: z.string() })),
  trend: z.array(z.object({ bucket: z.string(), newLeads: num, qualifiedLeads: num })),
}).meta({ id: "QualifiedLeadsResult" });

const ContentSharesRow = z.object({
  posts: num,
  shares: num,
  sharesPerPost: nullableNumber,
  impressions: num,
  impressionsPerPost: nullableNumber,
  followers: nullableNumber,
  followerChange: nullableNumber,
});
const ContentSharesResult = ContentSharesRow.extend({
  posts: nullableNumber,
  shares: nullableNumber,
  impressions: nullableNumber,
  byNetwork: z.array(ContentSharesRow.extend({ network: z.string() })),
  shareClusters: z.object({ clusters: num, sumOfSquares: num }).nullable(),
  topPosts: z.array(
    z.object({
      id: z.string(),
      network: z.string(),
      published: z.string(),
      url: z.string().nullable(),
      shares: num,
      impressions: num,
    }),
  ),
  trend: z.array(z.object({ bucket: z.string(), posts: num, shares: num, sharesPerPost: nullableNumber })),
}).meta({ id: "ContentSharesResult" });

const SocialLeadCounts = z.object({ leads: num, qualifiedLeads: num, wonLeads: num, wonValue: nullableNumber });
const SocialConversionsResult = z
  .object({
    leads: nullableNumber,
    qualifiedLeads: nullableNumber,
    wonLeads: nullableNumber,
    wonValue: nullableNumber,
    wonValuedLeads: nullableNumber,
    wonValueSumOfSquares: nullableNumber,
    bySourceChannel: nullableNumber,
    byFirstTouchOnly: nullableNumber,
    visits: nullableNumber,
    convertedVisits: nullableNumber,
    visitToLeadRate: nullableNumber,
    byNetwork: z.array(
      SocialLeadCounts.extend({
        network: z.string(),
        visits: num,
        convertedVisits: num,
        visitToLeadRate: nullableNumber,
      }),
    ),
    byCampaign: z.array(SocialLeadCounts.extend({ network: z.string(), campaign: z.string().nullable(), posts: num })),
  })
  .meta({ id: "SocialConversionsResult" });

const NewsletterLeadCounts = z.object({
  newsletterLeads: num,
  bySource: num,
  byFirstTouch: num,
  byClick: nullableNumber,
});
const NewsletterLeadsResult = NewsletterLeadCounts.extend({
  attributionDays: num,
  subscriberLeads: nullableNumber,
  subscribers: nullableNumber,
  subscriberToLeadRate: nullableNumber,
  qualifiedLeads: num,
  wonLeads: num,
  wonValue: nullableNumber,
  wonValuedLeads: nullableNumber,
  wonValueSumOfSquares: nullableNumber,
  trend: z.array(NewsletterLeadCounts.extend({ bucket: z.string() })),
}).meta({ id: "NewsletterLeadsResult" });

/** A metric's report: the envelope with its id and its result now and (with a comparison) before. */
function reportOf<const Id extends string, R extends z.ZodType>(id: Id, result: R) {
  // Named in the document's components (FunnelReport), as its result is (FunnelResult).
  const name = id.replace(/(^|-)(\w)/g, (_, __, c: string) => c.toUpperCase());
  return ReportEnvelopeFields.extend({
    metric: z.literal(id),
    result,
    previous: result.nullable().describe("the result for the comparison period; null without one"),
  }).meta({ id: `${name}Report` });
}

/** One report per metric, told apart by `metric` (the registry's ids: checked by result-schemas.test.ts). */
export const METRIC_REPORTS = {
  "activity-quality": reportOf("activity-quality", ActivityQualityResult),
  funnel: reportOf("funnel", FunnelResult),
  velocity: reportOf("velocity", VelocityResult),
  losses: reportOf("losses", LossesResult),
  engagement: reportOf("engagement", EngagementResult),
  "qualified-leads": reportOf("qualified-leads", QualifiedLeadsResult),
  "content-shares": reportOf("content-shares", ContentSharesResult),
  "social-conversions": reportOf("social-conversions", SocialConversionsResult),
  "newsletter-leads": reportOf("newsletter-leads", NewsletterLeadsResult),
};

/** GET /api/metrics/{id}: one metric's report, its `result` as that metric answers it. */
export const MetricReportSchema = z
  .discriminatedUnion("metric", Object.values(METRIC_REPORTS) as unknown as MetricReports)
  .describe("one metric's report; `metric` says which, and so the shape of `result` and `previous`");
type MetricReports = [
  (typeof METRIC_REPORTS)["activity-quality"],
  ...(typeof METRIC_REPORTS)[keyof typeof METRIC_REPORTS][],
];

/** GET /api/report: what the metrics share, above the metrics themselves (metrics/report-envelope.ts). */
export const ReportSchema = z.object({
  period: Span.nullable(),
  comparison: Span.nullable(),
  filters: ResolvedFilters.nullable(),
  currency: z.string().nullable(),
  asOf: z.string().nullable(),
  metrics: z.array(MetricReportSchema),
});

// ---------------------------------------------------------------------------------------------
// The check, its trend, stalled leads, the plan, the doctor

const Movement = z.enum(["up", "down", "within"]).nullable();
const CheckFigure = z
  .object({
    label: z.string(),
    format: Format,
    value: nullableNumber,
    previous: nullableNumber,
    change: nullableNumber,
    evidence: Evidence.nullable(),
    previousEvidence: Evidence.nullable(),
    unsupported: FigureUnsupported.nullable(),
    judgement: Judgement.nullable(),
    history: z.array(nullableNumber).describe("the figure in each of `history.periods`, the last being now"),
    missing: z.string().optional(),
  })
  .meta({ id: "CheckFigure" });

/** GET /api/check. */
export const VanityCheckSchema = z.object({
  period: Span,
  comparison: Span,
  currency: z.string().nullable(),
  history: z.object({ periods: z.array(Span) }),
  findings: z.array(
    z.object({
      vanity: VanityId,
      number: num,
      metric: z.string(),
      vanityFigure: CheckFigure,
      realFigure: CheckFigure,
      verdict: z.enum(["diverging", "improving", "aligned", "noise", "unknown"]),
      kind: z.enum([
        "falls",
        "flat",
        "both-better",
        "improving",
        "real-worse",
        "real-better",
        "vanity-fell",
        "noise",
        "no-change",
        "unsupported",
      ]),
      vanityMovement: Movement,
      realMovement: Movement,
      realDirection: z.enum(["better", "worse", "within"]),
      signal: z.boolean(),
      divergence: nullableNumber,
      finding: z.string(),
      words: Words,
    }),
  ),
});

/** GET /api/check/trend. */
export const VanityTrendSchema = z.object({
  periods: z.array(Span),
  pairs: z.array(
    z.object({
      vanity: VanityId,
      metric: z.string(),
      vanityValues: z.array(nullableNumber),
      realValues: z.array(nullableNumber),
    }),
  ),
});

const StalledLead = z.object({
  id: z.string(),
  name: z.string().nullable(),
  account: z.string().nullable(),
  owner: z.object({ id: z.string(), name: z.string() }).nullable(),
  stage: z.object({ id: z.string(), name: z.string() }).nullable(),
  value: nullableNumber,
  days: num,
  medianDays: num,
  daysOver: num,
  lastActivity: z.object({ date: z.string(), type: z.string() }).nullable(),
});

const StalledListFields = {
  asOf: z.string(),
  basis: z.enum(["stage", "age"]),
  basisNote: z.string().nullable(),
  factor: num,
  openLeads: num,
  withoutBenchmark: num,
};

/** The whole stalled list, as the library (`stalledLeads`) and `verity stalled --format json` answer it. */
export const StalledLeadsSchema = z.object({ ...StalledListFields, leads: z.array(StalledLead) });

/** A column of the list and a direction (metrics/stalled-page.ts). */
export const StalledSort = z.enum(STALLED_SORTS);

/** GET /api/stalled: one page of the list. */
export const StalledLeadsPageSchema = z.object({
  ...StalledListFields,
  total: num.describe("stalled leads in the whole list, all pages together"),
  offset: num.describe("the page starts after this many leads of the sorted list"),
  limit: num.describe("the most leads the page holds"),
  sort: StalledSort.describe("the order of the list: a column and a direction; ties by lead id"),
  leads: z.array(StalledLead).describe("this page's leads, in `sort`"),
});

/** GET /api/plan. */
export const LeadPlanSchema = z.object({
  period: Span,
  history: Span,
  pipeline: z.object({ id: z.string(), name: z.string() }),
  target: z.object({ wonLeads: nullableNumber, revenue: nullableNumber }),
  currency: z.string().nullable(),
  measuredOn: num,
  wonInHistory: num,
  averageWonValue: nullableNumber,
  wonNeeded: num,
  stages: z.array(
    z.object({
      stageId: z.string(),
      stageName: z.string(),
      conversion: num,
      interval: Interval,
      conversionToWon: num,
      conversionToWonRange: Interval,
      expected: num,
      leads: num,
      low: num,
      high: num,
      medianDaysToWon: nullableNumber,
      timedLeads: num,
      enterBy: z.string().nullable(),
    }),
  ),
  notes: z.array(z.string()),
});

/** GET /api/leads. */
export const LeadSearchSchema = z.object({
  leads: z.array(
    z.object({
      id: z.string(),
      name: z.string().nullable(),
      account: z.string().nullable(),
      status: z.string(),
      createdAt: z.string(),
    }),
  ),
});

const nullableString = z.string().nullable();
const Utm = {
  utmSource: nullableString,
  utmMedium: nullableString,
  utmCampaign: nullableString,
  utmContent: nullableString,
};

/** GET /api/leads/{id}/timeline. */
export const LeadTimelineSchema = z.object({
  lead: z.object({
    id: z.string(),
    externalId: nullableString,
    name: nullableString,
    account: nullableString,
    contact: nullableString,
    owner: z.object({ id: z.string(), name: z.string() }).nullable(),
    pipeline: z.string(),
    stage: nullableString,
    status: z.string(),
    value: nullableNumber,
    currency: nullableString,
    createdAt: z.string(),
    qualifiedAt: nullableString,
    closedAt: nullableString,
    lossReason: nullableString,
    competitor: nullableString,
    source: nullableString,
    utm: z.object({
      source: nullableString,
      medium: nullableString,
      campaign: nullableString,
      content: nullableString,
      term: nullableString,
    }),
  }),
  events: z
    .array(
      z.discriminatedUnion("kind", [
        z.object({
          kind: z.literal("visit"),
          time: z.string(),
          visitId: z.string(),
          visitorId: z.string(),
          landingUrl: nullableString,
          referrer: nullableString,
          pageviews: nullableNumber,
          createdLead: z.boolean(),
          ...Utm,
        }),
        z.object({ kind: z.literal("created"), time: z.string(), owner: nullableString, source: nullableString }),
        z.object({
          kind: z.literal("stage"),
          time: z.string(),
          fromStage: nullableString,
          toStage: z.string(),
          rep: nullableString,
        }),
        z.object({ kind: z.literal("qualified"), time: z.string(), how: z.enum(["qualified_at", "stage", "won"]) }),
        z.object({
          kind: z.literal("activity"),
          time: z.string(),
          activityId: z.string(),
          type: z.string(),
          rep: nullableString,
          outcome: nullableString,
          durationSeconds: nullableNumber,
          note: nullableString,
        }),
        z.object({
          kind: z.literal("subscription"),
          time: z.string(),
          change: z.enum(["subscribed", "unsubscribed"]),
          subscriberId: z.string(),
        }),
        z.object({
          kind: z.literal("email"),
          time: z.string(),
          type: z.string(),
          issueId: z.string(),
          subject: nullableString,
          url: nullableString,
        }),
        z.object({
          kind: z.literal("closed"),
          time: z.string(),
          status: z.string(),
          lossReason: nullableString,
          competitor: nullableString,
        }),
      ]),
    )
    .describe("everything that happened to the lead, in order"),
});

const DoctorStatus = z.enum(["supported", "partly", "unsupported"]);
const DataRange = z.object({ start: z.string(), end: z.string() });
const DoctorEntry = z
  .object({
    kind: z.enum(["metric", "vanity"]),
    id: z.string(),
    title: z.string(),
    area: DataArea.describe("the data it reads"),
    status: DoctorStatus,
    tables: z.array(z.object({ name: z.string(), rows: num })).describe("the tables it reads and their rows"),
    data: DataRange.nullable().describe("first and last moment of its area's data; null when none is loaded"),
    asOf: z.string().nullable().describe("its 'as of' in the default period"),
    history: z
      .object({ earlierQuarters: num, earlierMonths: num, needed: num })
      .describe("whole quarters and months of its data before the default period; normal variation needs `needed`"),
    missing: z.array(
      z.object({
        need: z
          .union([DataCapability, z.enum(["leads", "followers", "history"])])
          .describe("a data capability, or leads, followers, history"),
        effect: z.enum(["partly", "unsupported"]),
        message: z.string().describe("what is missing"),
        affects: z.string().describe("which figures it takes away"),
        fix: z.string().describe("the data or `verity import` option that fixes it"),
        sv: z.object({ message: z.string(), fix: z.string() }).describe("message and fix in Swedish"),
        option: z.string().nullable().describe("that option as a POST /api/import parameter (qualifyingStage, ...)"),
        choices: z.array(z.string()).describe("values the option can take here (the stage names)"),
      }),
    ),
  })
  .meta({ id: "DoctorEntry" });

/** GET /api/doctor. */
export const DoctorSchema = z.object({
  workspace: z.string(),
  period: Span.nullable().describe("the default period (the quarter of the latest data); null when nothing is loaded"),
  areas: z.record(DataArea, DataRange.extend({ earlierQuarters: num }).nullable()),
  tables: z.record(z.string(), num),
  summary: z.record(DoctorStatus, num),
  metrics: z.array(DoctorEntry),
  vanity: z.array(DoctorEntry),
});

// ---------------------------------------------------------------------------------------------
// The compile-time checks: each schema's output is its TypeScript type

/**
 * A type with intersections flattened, readonly dropped, arrays and unions walked into, so two
 * ways of writing one shape (`A & { b }` against `{ a; b }`) compare equal and nothing else does.
 */
type Plain<T> = T extends readonly (infer U)[]
  ? Plain<U>[]
  : T extends object
    ? { -readonly [K in keyof T]: Plain<T[K]> }
    : T;

/** True when A and B are the same type once plain: every field, its optionality and its type. */
type Same<A, B> = (<T>() => T extends Plain<A> ? 1 : 2) extends <T>() => T extends Plain<B> ? 1 : 2 ? true : false;

type Expect<T extends true> = T;

/** What a definition's `headlines(result)` takes: the result type it shapes. */
type ResultOf<D> = D extends { headlines(result: infer R): unknown } ? R : never;

type Out<S extends z.ZodType> = z.output<S>;
type Reported<Id extends keyof typeof METRIC_REPORTS> = Out<(typeof METRIC_REPORTS)[Id]>;

/**
 * Fails the type check when a schema and its type disagree (the line names which). Exported
 * so it is not an unused declaration; nothing reads it.
 */
export type ResultSchemaChecks = [
  Expect<Same<Out<typeof Format>, commonTypes.Format>>,
  Expect<Same<Out<typeof VanityId>, commonTypes.VanityId>>,
  Expect<Same<Out<typeof Evidence>, commonTypes.Evidence>>,
  Expect<Same<Out<typeof FigureUnsupported>, commonTypes.FigureUnsupported>>,
  Expect<Same<Out<typeof Judgement>, commonTypes.Judgement>>,
  Expect<Same<Out<typeof Headline>, commonTypes.Headline>>,
  Expect<Same<Out<typeof ResolvedFilters>, commonTypes.ResolvedFilters>>,
  Expect<Same<Out<typeof ReportEnvelopeFields>, Omit<commonTypes.MetricReport, "metric" | "result" | "previous">>>,
  Expect<Same<Omit<Reported<"funnel">, "metric">, Omit<commonTypes.MetricReport<funnelTypes.FunnelResult>, "metric">>>,
  Expect<Same<Out<typeof ActivityQualityResult>, activityQualityTypes.ActivityQualityResult>>,
  Expect<Same<Out<typeof FunnelResult>, funnelTypes.FunnelResult>>,
  Expect<Same<Out<typeof VelocityResult>, velocityTypes.VelocityResult>>,
  Expect<Same<Out<typeof LossesResult>, lossesTypes.LossesResult>>,
  Expect<Same<Out<typeof EngagementResult>, engagementTypes.EngagementResult>>,
  Expect<Same<Out<typeof QualifiedLeadsResult>, qualifiedLeadsTypes.QualifiedLeadsResult>>,
  Expect<Same<Out<typeof ContentSharesResult>, contentSharesTypes.ContentSharesResult>>,
  Expect<Same<Out<typeof SocialConversionsResult>, socialConversionsTypes.SocialConversionsResult>>,
  Expect<Same<Out<typeof NewsletterLeadsResult>, newsletterLeadsTypes.NewsletterLeadsResult>>,
  // Each report's result is what its definition shapes (not only what results/ declares).
  Expect<Same<Reported<"activity-quality">["result"], ResultOf<typeof activityQuality>>>,
  Expect<Same<Reported<"funnel">["result"], ResultOf<typeof funnel>>>,
  Expect<Same<Reported<"velocity">["result"], ResultOf<typeof velocity>>>,
  Expect<Same<Reported<"losses">["result"], ResultOf<typeof losses>>>,
  Expect<Same<Reported<"engagement">["result"], ResultOf<typeof engagement>>>,
  Expect<Same<Reported<"qualified-leads">["result"], ResultOf<typeof qualifiedLeads>>>,
  Expect<Same<Reported<"content-shares">["result"], ResultOf<typeof contentShares>>>,
  Expect<Same<Reported<"social-conversions">["result"], ResultOf<typeof socialConversions>>>,
  Expect<Same<Reported<"newsletter-leads">["result"], ResultOf<typeof newsletterLeads>>>,
  Expect<Same<Omit<Out<typeof ReportSchema>, "metrics">, Omit<ReportEnvelope, "metrics">>>,
  Expect<Same<Out<typeof VanityCheckSchema>, checkTypes.VanityCheck>>,
  Expect<Same<Out<typeof VanityTrendSchema>, checkTypes.VanityTrend>>,
  Expect<Same<Out<typeof StalledLeadsSchema>, stalledLeadsTypes.StalledLeadsResult>>,
  Expect<Same<Out<typeof StalledLeadsPageSchema>, stalledLeadsTypes.StalledLeadsPage>>,
  Expect<Same<Out<typeof LeadPlanSchema>, leadPlanTypes.LeadPlan>>,
  Expect<Same<Out<typeof LeadSearchSchema>, leadSearchTypes.LeadSearch>>,
  Expect<Same<Out<typeof LeadTimelineSchema>, leadTimelineTypes.LeadTimeline>>,
  Expect<Same<Out<typeof DoctorSchema>, doctorTypes.DoctorReport>>,
];
