/**
 * Data health (issue 14, item 5; `verity doctor`, GET /api/doctor): for each of the nine
 * metrics and each vanity metric, whether the workspace's data supports it, from which tables
 * and which span of time, what is missing, and which import option or data would fix it. It
 * reads only what is loaded (row counts, data ranges, capabilities), never computes a metric,
 * so it answers in the time of a few counts even on a large workspace.
 */
import {
  CAPABILITY_FIXES,
  CAPABILITY_FIXES_SV,
  CAPABILITY_WORDS,
  CAPABILITY_WORDS_SV,
  NO_FOLLOWER_COUNTS,
} from "../metrics/capability-words.js";
import { asOfFor, capabilitiesOf, dataRangeOf, latestOf, quarterOf } from "../metrics/context.js";
import { DATA_AREAS, type DataArea, type MetricContext } from "../metrics/metric.js";
import { METRICS } from "../metrics/registry.js";
import type {
  DoctorEntry as DoctorEntryOf,
  DoctorMissing,
  DoctorNeed,
  DoctorReport as DoctorReportOf,
  DoctorStatus,
} from "../metrics/results/doctor.js";
import { VANITY } from "../metrics/vanity.js";
import { TABLE_ORDER, type TableName } from "../model/canonical.js";
import type { DataCapability } from "../model/capabilities.js";
import type { Period } from "../model/period.js";
import { ident, sql } from "../store/sql.js";
import type { Store } from "../store/store.js";

/**
 * Normal variation needs this many earlier periods of the same length (METRICS.md, "Signal or
 * noise"); with fewer, a change is judged by its sampling noise alone.
 */
export const EARLIER_PERIODS_NEEDED = 6;

// What the doctor answers is declared in the Node-free src/metrics/results/doctor.ts (the
// dashboard's banner reads it), over any table name; here with the canonical tables'.
export type { DoctorMissing, DoctorNeed, DoctorStatus };
export type DoctorEntry = DoctorEntryOf<TableName>;
export type DoctorReport = DoctorReportOf<TableName>;

/** One thing a metric reads: without it, the whole metric (essential) or the figures in `affects` go. */
/** `or`: another kind of data that meets the need as well (daily totals count visits). */
type NeedSpec = { need: DoctorNeed; essential?: true; affects: string; or?: DataCapability };
type Spec = { tables: TableName[]; needs: NeedSpec[] };

/** What only leads can carry: reported as missing only once there are leads. */
const OF_LEADS: ReadonlySet<DoctorNeed> = new Set([
  "stage_history",
  "loss_reasons",
  "lead_sources",
  "qualification",
  "losses",
  "amounts",
]);

const LEADS: NeedSpec = { need: "leads", essential: true, affects: "the whole metric (it counts leads)" };

/**
 * What each metric reads, written against its definition (METRICS.md and the definition's own
 * text). A capability a definition declares in `needs` and this table leaves out is still
 * checked (as partly), so a new need is never silently ignored here.
 */
const METRIC_SPECS: Record<string, Spec> = {
  "activity-quality": {
    tables: ["activities", "leads", "reps"],
    needs: [
      {
        need: "activities",
        essential: true,
        affects: "the whole metric (it sets reps' activities against their leads)",
      },
      { need: "leads", affects: "activities per opportunity and per won lead" },
      { need: "losses", affects: "the win rate per rep" },
      { need: "amounts", affects: "won value, and the top and bottom performers ranked by it" },
    ],
  },
  funnel: {
    tables: ["leads", "stages", "stage_events", "pipelines", "reps"],
    needs: [
      LEADS,
      { need: "stage_history", affects: "how far each lead got (only its current stage counts)" },
      { need: "losses", affects: "conversion per stage and the win rate (no lead is ever lost)" },
    ],
  },
  velocity: {
    tables: ["leads", "stage_events", "stages"],
    needs: [
      LEADS,
      {
        need: "qualification",
        affects: "days from qualification, the win rate and velocity (every loss counts as never qualified)",
      },
      { need: "losses", affects: "days to lose and the win rate" },
      { need: "amounts", affects: "sales velocity per day" },
      { need: "stage_history", affects: "days in each stage" },
    ],
  },
  losses: {
    tables: ["leads", "stages", "stage_events", "reps"],
    needs: [
      LEADS,
      { need: "losses", essential: true, affects: "the whole metric (there are no lost leads to break down)" },
      { need: "loss_reasons", affects: "lost leads by reason" },
      { need: "amounts", affects: "the value left on the table" },
      { need: "stage_history", affects: "the stage each lead was lost at (only its current stage counts)" },
    ],
  },
  engagement: {
    tables: ["visits"],
    needs: [{ need: "web_visits", essential: true, affects: "the whole metric (it counts visitors)" }],
  },
  "qualified-leads": {
    tables: ["leads", "stages", "stage_events"],
    needs: [
      LEADS,
      {
        need: "qualification",
        essential: true,
        affects: "the whole metric (which leads qualified: only won leads would count)",
      },
      { need: "lead_sources", affects: "qualified leads by source" },
    ],
  },
  "content-shares": {
    tables: ["social_posts", "social_post_snapshots", "social_follower_snapshots"],
    needs: [
      { need: "social", essential: true, affects: "the whole metric (it counts shares of posts)" },
      { need: "followers", affects: "the follower count beside the shares" },
    ],
  },
  "social-conversions": {
    tables: ["leads", "visits", "social_posts"],
    needs: [
      LEADS,
      {
        need: "lead_sources",
        essential: true,
        affects: "the whole metric (which leads came from social media)",
      },
      { need: "web_visits", affects: "the share of social visits that became leads" },
      { need: "qualification", affects: "qualified social leads" },
      { need: "amounts", affects: "won value from social leads" },
    ],
  },
  "newsletter-leads": {
    tables: ["newsletter_subscribers", "newsletter_issues", "email_events", "leads"],
    needs: [
      { need: "newsletter", essential: true, affects: "the whole metric (it matches leads with subscribers)" },
      { ...LEADS, affects: "the whole metric (it counts the leads the newsletter brought)" },
      { need: "qualification", affects: "qualified newsletter leads" },
      { need: "amounts", affects: "won value from newsletter leads" },
    ],
  },
};

const VANITY_SPECS: Record<string, Spec> = {
  activities: { tables: ["activities"], needs: [{ need: "activities", essential: true, affects: "the whole figure" }] },
  "activity-conversion": {
    tables: ["activities"],
    needs: [{ need: "activities", essential: true, affects: "the whole figure" }],
  },
  "total-sales": {
    tables: ["leads"],
    needs: [
      LEADS,
      { need: "amounts", essential: true, affects: "the whole figure (a sum of no amounts is unknown, not 0)" },
    ],
  },
  visits: {
    tables: ["visits", "visit_days"],
    needs: [{ need: "web_visits", essential: true, affects: "the whole figure", or: "web_totals" }],
  },
  "new-leads": { tables: ["leads"], needs: [LEADS] },
  followers: {
    tables: ["social_follower_snapshots"],
    needs: [{ need: "followers", essential: true, affects: "the whole figure" }],
  },
  impressions: {
    tables: ["social_post_snapshots"],
    needs: [{ need: "social", essential: true, affects: "the whole figure" }],
  },
  subscribers: {
    tables: ["newsletter_subscribers"],
    needs: [{ need: "newsletter", essential: true, affects: "the whole figure" }],
  },
};

/** What the workspace holds, read once for every entry. */
type Loaded = {
  capabilities: ReadonlySet<DataCapability>;
  dataRange: MetricContext["dataRange"];
  period: Period | null;
  tables: Record<TableName, number>;
  stageNames: string[];
};

export async function doctor(store: Store, workspace: string): Promise<DoctorReport> {
  const dataRange = await dataRangeOf(store, workspace);
  const latest = latestOf(dataRange);
  const loaded: Loaded = {
    capabilities: await capabilitiesOf(store, workspace),
    dataRange,
    period: latest ? quarterOf(latest) : null,
    tables: await tableRows(store, workspace),
    stageNames: await stageNames(store, workspace),
  };
  const metrics = METRICS.map((m) =>
    entry(loaded, { kind: "metric", id: m.id, title: m.title, area: m.area }, withDeclared(m.id, m.needs)),
  );
  const vanity = VANITY.map((v) =>
    entry(loaded, { kind: "vanity", id: v.id, title: v.label, area: v.area }, VANITY_SPECS[v.id] ?? noSpec()),
  );
  const summary: Record<DoctorStatus, number> = { supported: 0, partly: 0, unsupported: 0 };
  for (const e of [...metrics, ...vanity]) summary[e.status] += 1;
  const areas = {} as DoctorReport["areas"];
  for (const area of DATA_AREAS) {
    const range = dataRange[area];
    areas[area] = range
      ? {
          start: range.start.toISOString(),
          end: range.end.toISOString(),
          earlierQuarters: loaded.period ? wholePeriods(range, loaded.period.start, 3) : 0,
        }
      : null;
  }
  return {
    workspace,
    period: loaded.period
      ? {
          label: loaded.period.label,
          start: loaded.period.start.toISOString(),
          end: loaded.period.end.toISOString(),
        }
      : null,
    areas,
    tables: loaded.tables,
    summary,
    metrics,
    vanity,
  };
}

const noSpec = (): Spec => ({ tables: [], needs: [] });

/** The metric's spec with every capability its definition declares (a declared need is never dropped). */
function withDeclared(id: string, declared: readonly DataCapability[]): Spec {
  const spec = METRIC_SPECS[id] ?? noSpec();
  const extra = declared
    .filter((c) => !spec.needs.some((n) => n.need === c))
    .map((c): NeedSpec => ({ need: c, affects: "figures of this metric" }));
  return { tables: spec.tables, needs: [...spec.needs, ...extra] };
}

function entry(loaded: Loaded, head: Pick<DoctorEntry, "kind" | "id" | "title" | "area">, spec: Spec): DoctorEntry {
  const range = loaded.dataRange[head.area];
  // Without leads, what leads carry (losses, amounts, stages, ...) is missing too: the fix is
  // the leads, and the doctor names the rest once they are loaded.
  const noLeads = spec.needs.some((n) => n.need === "leads") && !has(loaded, "leads");
  const missing: DoctorMissing[] = spec.needs
    .filter(
      (n) => !has(loaded, n.need) && !(n.or && loaded.capabilities.has(n.or)) && !(noLeads && OF_LEADS.has(n.need)),
    )
    .map((n) => ({
      need: n.need,
      effect: n.essential ? "unsupported" : "partly",
      message: wordsOf(n.need),
      affects: n.affects,
      ...fixOf(n.need, loaded.stageNames),
      sv: { message: wordsOfSv(n.need), fix: fixOfSv(n.need, loaded.stageNames) },
    }));
  const history = {
    earlierQuarters: range && loaded.period ? wholePeriods(range, loaded.period.start, 3) : 0,
    earlierMonths: range && loaded.period ? wholePeriods(range, loaded.period.start, 1) : 0,
    needed: EARLIER_PERIODS_NEEDED,
  };
  // Too short a history does not make a figure wrong, only its changes harder to judge.
  if (range && loaded.period && history.earlierQuarters < EARLIER_PERIODS_NEEDED) {
    missing.push({
      need: "history",
      effect: "partly",
      message: `only ${history.earlierQuarters} whole quarters of ${head.area} data before ${loaded.period.label}; normal variation needs ${EARLIER_PERIODS_NEEDED}`,
      affects: "the normal variation test: a change is judged by its sampling noise alone",
      fix:
        history.earlierMonths >= EARLIER_PERIODS_NEEDED
          ? `compare months (-p YYYY-MM: ${history.earlierMonths} earlier months), or import older data`
          : "import older data",
      sv: {
        message: `bara ${history.earlierQuarters} hela kvartal med ${AREA_DATA_SV[head.area]} före ${loaded.period.label}; normal variation kräver ${EARLIER_PERIODS_NEEDED}`,
        fix:
          history.earlierMonths >= EARLIER_PERIODS_NEEDED
            ? `jämför månader (-p ÅÅÅÅ-MM: ${history.earlierMonths} tidigare månader), eller importera äldre data`
            : "importera äldre data",
      },
      option: null,
      choices: [],
    });
  }
  const status: DoctorStatus = missing.some((m) => m.effect === "unsupported")
    ? "unsupported"
    : missing.length > 0
      ? "partly"
      : "supported";
  const asOf =
    loaded.period && range ? asOfFor({ period: loaded.period, dataRange: loaded.dataRange }, head.area) : null;
  return {
    ...head,
    status,
    tables: spec.tables.map((name) => ({ name, rows: loaded.tables[name] })),
    data: range ? { start: range.start.toISOString(), end: range.end.toISOString() } : null,
    asOf: asOf ? asOf.asOf.toISOString() : null,
    history,
    missing,
  };
}

function has(loaded: Loaded, need: DoctorNeed): boolean {
  if (need === "leads") return loaded.tables.leads > 0;
  if (need === "followers") return loaded.tables.social_follower_snapshots > 0;
  if (need === "history") return true;
  return loaded.capabilities.has(need);
}

function wordsOf(need: DoctorNeed): string {
  if (need === "leads") return "no leads are loaded";
  if (need === "followers") return NO_FOLLOWER_COUNTS.reason;
  if (need === "history") return "too few earlier periods";
  return CAPABILITY_WORDS[need];
}

/** Each area's data, in a Swedish sentence ("hela kvartal med webbdata"). */
const AREA_DATA_SV: Record<DataArea, string> = {
  sales: "försäljningsdata",
  web: "webbdata",
  social: "data från sociala medier",
  newsletter: "nyhetsbrevsdata",
};

function wordsOfSv(need: DoctorNeed): string {
  if (need === "leads") return "inga leads är inlästa";
  if (need === "followers") return NO_FOLLOWER_COUNTS.sv.reason;
  if (need === "history") return "för få tidigare perioder";
  return CAPABILITY_WORDS_SV[need];
}

function fixOfSv(need: DoctorNeed, stages: string[]): string {
  switch (need) {
    case "leads":
      return "importera en CRM-export (`verity import PATH`) eller leads.csv i Veritys format";
    case "followers":
      return NO_FOLLOWER_COUNTS.sv.fix;
    case "history":
      return "importera äldre data";
    case "qualification":
      return stages.length > 0
        ? `${CAPABILITY_FIXES_SV.qualification}, där STAGE är ett av ${stages.map((s) => `"${s}"`).join(", ")}`
        : CAPABILITY_FIXES_SV.qualification;
    default:
      return CAPABILITY_FIXES_SV[need];
  }
}

/** The data or import option that supplies `need`, in a command-line user's terms. */
function fixOf(need: DoctorNeed, stages: string[]): Pick<DoctorMissing, "fix" | "option" | "choices"> {
  const plain = (fix: string) => ({ fix, option: null, choices: [] });
  switch (need) {
    case "leads":
      return plain("import a CRM export (`verity import PATH`) or leads.csv in Verity's format");
    case "followers":
      return plain(NO_FOLLOWER_COUNTS.fix);
    case "history":
      return plain("import older data");
    case "loss_reasons":
      return { fix: CAPABILITY_FIXES.loss_reasons, option: "lossReasonField", choices: [] };
    case "qualification":
      return {
        fix:
          stages.length > 0
            ? `${CAPABILITY_FIXES.qualification}, STAGE one of ${stages.map((s) => `"${s}"`).join(", ")}`
            : CAPABILITY_FIXES.qualification,
        option: "qualifyingStage",
        choices: stages,
      };
    default:
      return plain(CAPABILITY_FIXES[need]);
  }
}

/**
 * Whole calendar periods of `months` months (3: quarters) inside the data's range and before
 * `before` (the default period's start): a period the data only partly covers would read as a
 * dip and is not counted. Data starting during a period's first day covers it (a simulated or
 * exported company starts at some hour of its first day).
 */
function wholePeriods(range: { start: Date; end: Date }, before: Date, months: number): number {
  const index = (d: Date) => d.getUTCFullYear() * 12 + d.getUTCMonth();
  const { start } = range;
  const atBoundary = start.getUTCDate() === 1 && start.getUTCMonth() % months === 0;
  const first = Math.floor(index(start) / months) * months + (atBoundary ? 0 : months);
  const limit = range.end.getTime() < before.getTime() ? range.end : before;
  // The period holding `limit` is not counted: `limit` is its start at the earliest.
  const last = Math.floor(index(limit) / months) * months;
  return Math.max(0, (last - first) / months);
}

/**
 * Rows per table in the workspace. Visits and activities are counted from their monthly
 * rollups, which every import rebuilds (exact, and thousands of rows instead of millions);
 * `verity status` counts the same way.
 */
async function tableRows(store: Store, workspace: string): Promise<Record<TableName, number>> {
  const rows = {} as Record<TableName, number>;
  for (const name of TABLE_ORDER) {
    const query =
      name === "visits"
        ? sql`SELECT CAST(COALESCE(sum(visits), 0) AS BIGINT) AS n FROM visit_months WHERE workspace_id = ${workspace}`
        : name === "activities"
          ? sql`SELECT CAST(COALESCE(sum(activities), 0) AS BIGINT) AS n FROM activity_months WHERE workspace_id = ${workspace}`
          : sql`SELECT count(*) AS n FROM ${ident(name)} WHERE workspace_id = ${workspace}`;
    const [row] = await store.query<{ n: number }>(query);
    rows[name] = Number(row?.n ?? 0);
  }
  return rows;
}

/** The open stages' names, which a user can pass to --qualifying-stage, in pipeline order. */
async function stageNames(store: Store, workspace: string): Promise<string[]> {
  const rows = await store.query<{ name: string }>(sql`
    SELECT name FROM stages WHERE workspace_id = ${workspace} AND kind = 'open'
    GROUP BY name ORDER BY min(position), name`);
  return rows.map((r) => r.name);
}
