/**
 * Reading routes: every metric with the CLI's parameters, the full report, the vanity check,
 * stalled leads, the lead requirement plan and a lead's timeline. The workspace is always the
 * caller's (their key's or session's); nothing here takes one as a parameter.
 */
import type { Context } from "hono";
import { z } from "zod";
import { planLeads } from "../../insights/lead-plan.js";
import { checkFor, vanityTrend } from "../../insights/vanity-check.js";
import { resolveRequest } from "../../metrics/context.js";
import { leadTimeline } from "../../metrics/lead-timeline.js";
import { METRICS, metricById } from "../../metrics/registry.js";
import { runReport } from "../../metrics/report-envelope.js";
import {
  FilterQuery,
  MetricQuery,
  metricsOf,
  PLAN_FIELDS,
  ReportQuery,
  requestOf,
  searchableText,
  splitMetricIds,
} from "../../metrics/request.js";
import type { StalledSort } from "../../metrics/results/stalled-leads.js";
import { runMetric } from "../../metrics/run-metric.js";
import { stalledLeads, stalledLeadsPage } from "../../metrics/stalled-leads.js";
import {
  DEFAULT_STALLED_SORT,
  STALLED_PAGE_DEFAULT,
  STALLED_PAGE_MAX,
  STALLED_SORT_COLUMNS,
  sortedStalledLeads,
} from "../../metrics/stalled-page.js";
import { PeriodError, parsePeriod } from "../../model/period.js";
import { sql } from "../../store/sql.js";
import type { Api } from "../api.js";
import type { ServerContext } from "../context.js";
import { ApiError, notFound } from "../errors.js";
import {
  LeadPlanSchema,
  LeadSearchSchema,
  LeadTimelineSchema,
  MetricReportSchema,
  ReportSchema,
  StalledLeadsPageSchema,
  StalledSort as StalledSortSchema,
  VanityCheckSchema,
  VanityTrendSchema,
} from "../result-schemas.js";
import { CSV_LANGUAGES, type CsvLanguage, stalledCsv, stalledCsvName } from "../stalled-csv.js";

/** Every event acknowledged before this time is in the numbers (ISO 8601). */
export const CURRENT_TO_HEADER = "Verity-Data-Current-To";
/** Events of the workspace acknowledged and not yet in the numbers. */
export const PENDING_HEADER = "Verity-Pending-Events";

const PlanQuery = FilterQuery.extend({
  period: searchableText(40).describe("the period to plan for, e.g. 2027-Q1"),
  targetWon: PLAN_FIELDS.targetWon.schema,
  targetRevenue: PLAN_FIELDS.targetRevenue.schema,
  history: PLAN_FIELDS.history.schema,
})
  .strict()
  .refine((q) => q.targetWon !== undefined || q.targetRevenue !== undefined, {
    message: "give targetWon or targetRevenue",
    path: ["targetWon"],
  });

const StalledSortField = StalledSortSchema.optional().describe(
  `the order: a column (${STALLED_SORT_COLUMNS.join(", ")}) and asc or desc (default ${DEFAULT_STALLED_SORT}); leads without a value in the column last, ties by lead id`,
);

const StalledQuery = MetricQuery.extend({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(STALLED_PAGE_MAX)
    .optional()
    .describe(`leads per page (default ${STALLED_PAGE_DEFAULT}, at most ${STALLED_PAGE_MAX})`),
  offset: z.coerce
    .number()
    .int()
    .min(0)
    .optional()
    .describe("leads of the sorted list before the page (default 0); past the end, an empty page"),
  sort: StalledSortField,
}).strict();

const StalledCsvQuery = MetricQuery.extend({
  sort: StalledSortField,
  lang: z.enum(CSV_LANGUAGES).optional().describe("the header row's language (default en)"),
}).strict();

const MetricId = z.object({ id: z.string().describe(`one of ${METRICS.map((m) => m.id).join(", ")}`) });

const MetricSummary = z.object({
  id: z.string(),
  title: z.string(),
  why: z.string(),
  definition: z.string(),
  replaces: z.array(z.string()),
  needs: z.array(z.string()),
});

export function registerMetricRoutes(api: Api, ctx: ServerContext): void {
  // Every event of the workspace acknowledged before the read is in the numbers, unless the
  // writer is behind by more than READ_WAIT_MS: then the read answers from what is committed,
  // and the headers say how current that is (README, "Server"). Another workspace's backlog
  // or import never holds it up.
  const settle = async (c: Context, workspace: string) => {
    const currency = await ctx.writer.caughtUp(workspace);
    c.header(CURRENT_TO_HEADER, currency.currentTo);
    c.header(PENDING_HEADER, String(currency.pendingEvents));
  };

  api.add(
    {
      method: "get",
      path: "/api/metrics",
      tag: "metrics",
      summary: "The nine metrics: what each measures, why, and which vanity metrics it replaces",
      access: "metrics:read",
      responses: { 200: { description: "The metrics", schema: z.object({ metrics: z.array(MetricSummary) }) } },
    },
    async () => ({
      metrics: METRICS.map((m) => ({
        id: m.id,
        title: m.title,
        why: m.why,
        definition: m.definition,
        replaces: [...m.replaces],
        needs: [...m.needs],
      })),
    }),
  );

  api.add(
    {
      method: "get",
      path: "/api/metrics/{id}",
      tag: "metrics",
      summary: "One metric for a period, with the vanity metrics it replaces beside it",
      description: "The same numbers as `verity report METRIC --format json`.",
      access: "metrics:read",
      params: MetricId,
      query: MetricQuery,
      responses: {
        200: { description: "The metric", schema: MetricReportSchema },
        404: { description: "No such metric" },
      },
    },
    async ({ c, params, query, principal }) => {
      const definition = metricById(params.id ?? "");
      if (!definition) throw notFound(`metric "${params.id}"`);
      await settle(c, principal.workspace);
      const request = await resolveRequest(ctx.store, requestOf(principal.workspace, query));
      return runMetric(definition, request);
    },
  );

  api.add(
    {
      method: "get",
      path: "/api/report",
      tag: "metrics",
      summary: "Several metrics (default all nine) for one period, as `verity report --format json`",
      access: "metrics:read",
      query: ReportQuery,
      responses: {
        200: { description: "The report", schema: ReportSchema },
      },
    },
    async ({ c, query, principal }) => {
      const definitions = metricsOf(splitMetricIds(query.metrics as string | undefined));
      await settle(c, principal.workspace);
      return runReport(ctx.store, definitions, requestOf(principal.workspace, query));
    },
  );

  api.add(
    {
      method: "get",
      path: "/api/check",
      tag: "metrics",
      summary: "The vanity check: each vanity metric beside its real counterpart, what needs attention first",
      description:
        "Compares with the previous period unless `compare=year`. Each figure carries its n (`evidence`), whether its change is beyond normal variation (`judgement`: sampling noise and the natural process limits of up to 12 earlier periods, with the range that would have counted) and its values over those periods (`history`, aligned with `history.periods`). Each finding has a structured `kind`, the figures' movements, and its sentence in English and Swedish (`words`).",
      access: "metrics:read",
      query: MetricQuery,
      responses: { 200: { description: "The check", schema: VanityCheckSchema } },
    },
    async ({ c, query, principal }) => {
      await settle(c, principal.workspace);
      const request = requestOf(principal.workspace, query);
      const writes = ctx.warmer.writesOf(principal.workspace);
      const check = await checkFor(ctx.store, request);
      ctx.warmer.asked(request, writes);
      return check;
    },
  );

  api.add(
    {
      method: "get",
      path: "/api/filters",
      tag: "metrics",
      summary: "The values the filters take in this workspace: pipelines, teams, reps and lead sources",
      access: "metrics:read",
      responses: {
        200: {
          description: "The choices",
          schema: z.object({
            pipelines: z.array(z.object({ id: z.string(), name: z.string() })),
            teams: z.array(z.string()),
            reps: z.array(z.object({ id: z.string(), name: z.string(), team: z.string().nullable() })),
            sources: z.array(z.string()),
          }),
        },
      },
    },
    async ({ principal }) => {
      const w = principal.workspace;
      const pipelines = await ctx.store.query<{ id: string; name: string }>(
        sql`SELECT id, name FROM pipelines WHERE workspace_id = ${w} ORDER BY name, id`,
      );
      const teams = await ctx.store.query<{ team: string }>(
        sql`SELECT DISTINCT team FROM reps WHERE workspace_id = ${w} AND team IS NOT NULL ORDER BY team`,
      );
      const reps = await ctx.store.query<{ id: string; name: string; team: string | null }>(
        sql`SELECT id, name, team FROM reps WHERE workspace_id = ${w} ORDER BY name, id`,
      );
      const sources = await ctx.store.query<{ source: string }>(
        sql`SELECT DISTINCT source_channel AS source FROM leads
            WHERE workspace_id = ${w} AND source_channel IS NOT NULL ORDER BY source`,
      );
      // "social" takes in every social network; "unknown" the leads without a source.
      const channels = sources.map((s) => s.source);
      const extra = [
        ...(channels.some((c) => c.startsWith("social:")) && !channels.includes("social") ? ["social"] : []),
        "unknown",
      ];
      return {
        pipelines,
        teams: teams.map((t) => t.team),
        reps,
        sources: [...channels, ...extra].sort(),
      };
    },
  );

  api.add(
    {
      method: "get",
      path: "/api/check/trend",
      tag: "metrics",
      summary: "Each vanity metric and its real counterpart over the last periods (the dashboard's trend charts)",
      description:
        "`periods` periods of the length of `period` (default 6, at most 12), ending with `period`, oldest first.",
      access: "metrics:read",
      query: MetricQuery.omit({ compare: true }).extend({
        periods: z.coerce.number().int().min(2).max(12).optional().describe("how many periods (default 6)"),
      }),
      responses: {
        200: { description: "The values per period", schema: VanityTrendSchema },
      },
    },
    async ({ c, query, principal }) => {
      await settle(c, principal.workspace);
      const request = await resolveRequest(ctx.store, { ...requestOf(principal.workspace, query), compare: null });
      return vanityTrend(request, Number(query.periods ?? 6));
    },
  );

  // The stalled list in pages (as CRM list views page theirs): a page sorted by a number is
  // read by SQL until the whole list is kept; any other is a slice of the list kept per data
  // version, sorted once per order (metrics/stalled-leads.ts stalledLeadsPage, stalled-page.ts).
  // Offset, not a cursor: the list is one snapshot per data version, so an offset finds the
  // same lead until the data changes, and the dashboard can say "101-200 of 52,324" and step
  // back; a cursor would not keep a page in place either once the data changed (the list is
  // judged anew, and leads leave it and join it everywhere), and could not say where it is.
  api.add(
    {
      method: "get",
      path: "/api/stalled",
      tag: "metrics",
      summary: "Open leads stuck past k x the time won leads spend in their stage, a page at a time",
      description: `One page of the list, sorted by \`sort\` (default ${DEFAULT_STALLED_SORT}), with the list's as-of, basis, factor and counts and its \`total\`. Every lead of the list is on exactly one page of a sort while the data stays the same; the whole list is GET /api/stalled.csv.`,
      access: "metrics:read",
      query: StalledQuery,
      responses: {
        200: { description: "A page of the stalled leads", schema: StalledLeadsPageSchema },
      },
    },
    async ({ c, query, principal }) => {
      await settle(c, principal.workspace);
      const request = await resolveRequest(ctx.store, requestOf(principal.workspace, query));
      return stalledLeadsPage(request.current, {
        offset: Number(query.offset ?? 0),
        limit: Number(query.limit ?? STALLED_PAGE_DEFAULT),
        sort: (query.sort as StalledSort | undefined) ?? DEFAULT_STALLED_SORT,
      });
    },
  );

  api.add(
    {
      method: "get",
      path: "/api/stalled.csv",
      tag: "metrics",
      summary: "Every stalled lead as CSV (the whole list, for a spreadsheet)",
      description:
        "The same list, filters and access as GET /api/stalled, every lead, in `sort`, streamed as `text/csv` (UTF-8, CRLF lines, a header row in `lang`) with a file name. Text that a spreadsheet would run as a formula (starting with =, +, -, @, a tab or a carriage return, and not just a number such as -12.5) is written with a leading apostrophe, as in the dashboard's other CSV downloads.",
      access: "metrics:read",
      query: StalledCsvQuery,
      responses: {
        200: {
          description:
            "CSV with a header row: Lead id, Lead, Account, Owner, Stage, Value, Days in stage (or Age in days), Won median (days), Days over, Last activity, Last activity type",
          text: "text/csv",
        },
      },
    },
    async ({ c, query, principal }) => {
      await settle(c, principal.workspace);
      const request = await resolveRequest(ctx.store, requestOf(principal.workspace, query));
      const result = await stalledLeads(request.current);
      const leads = sortedStalledLeads(result, (query.sort as StalledSort | undefined) ?? DEFAULT_STALLED_SORT);
      c.header("Content-Type", "text/csv; charset=utf-8");
      c.header("Content-Disposition", `attachment; filename="${stalledCsvName(result)}"`);
      return c.body(stalledCsv(leads, result.basis, (query.lang as CsvLanguage | undefined) ?? "en"));
    },
  );

  api.add(
    {
      method: "get",
      path: "/api/plan",
      tag: "metrics",
      summary: "The leads needed at each stage, and by when, to reach a target of won leads or revenue",
      access: "metrics:read",
      query: PlanQuery,
      responses: { 200: { description: "The plan", schema: LeadPlanSchema } },
    },
    async ({ c, query, principal }) => {
      await settle(c, principal.workspace);
      const request = await resolveRequest(ctx.store, requestOf(principal.workspace, query));
      const history = typeof query.history === "string" ? historyPeriod(query.history) : undefined;
      const target = {
        wonLeads: query.targetWon as number | undefined,
        revenue: query.targetRevenue as number | undefined,
      };
      return planLeads(request.current, target, history);
    },
  );

  api.add(
    {
      method: "get",
      path: "/api/leads",
      tag: "metrics",
      summary: "Find leads by id, name, account or contact (the dashboard's lead search)",
      access: "metrics:read",
      query: z
        .object({
          search: searchableText(200).describe("part of the lead's id, id in the CRM, name, account or contact"),
          limit: z.coerce.number().int().min(1).max(100).optional().describe("at most this many (default 20)"),
        })
        .strict(),
      responses: {
        200: { description: "The leads found, most recently created first", schema: LeadSearchSchema },
      },
    },
    async ({ c, query, principal }) => {
      await settle(c, principal.workspace);
      // A bound pattern: the text is matched as text (LIKE's own % and _ escaped).
      const pattern = `%${String(query.search)
        .toLowerCase()
        .replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      const rows = await ctx.store.query<{
        id: string;
        name: string | null;
        account: string | null;
        status: string;
        created_at: string;
      }>(
        sql`SELECT id, name, account, status, created_at FROM leads
            WHERE workspace_id = ${principal.workspace}
              AND (lower(id) LIKE ${pattern} ESCAPE '\\' OR lower(external_id) LIKE ${pattern} ESCAPE '\\'
                OR lower(COALESCE(name, '')) LIKE ${pattern} ESCAPE '\\' OR lower(COALESCE(account, '')) LIKE ${pattern} ESCAPE '\\'
                OR lower(COALESCE(contact, '')) LIKE ${pattern} ESCAPE '\\')
            ORDER BY created_at DESC, id
            LIMIT ${Number(query.limit ?? 20)}`,
      );
      return {
        leads: rows.map((r) => ({
          id: r.id,
          name: r.name,
          account: r.account,
          status: r.status,
          createdAt: r.created_at,
        })),
      };
    },
  );

  api.add(
    {
      method: "get",
      path: "/api/leads/{id}/timeline",
      tag: "metrics",
      summary: "Everything that happened to one lead, in order",
      access: "metrics:read",
      params: z.object({ id: searchableText(200).describe("the lead's id or its id in the source CRM") }),
      responses: {
        200: { description: "The timeline", schema: LeadTimelineSchema },
        404: { description: "No such lead in your workspace" },
      },
    },
    async ({ c, params, principal }) => {
      await settle(c, principal.workspace);
      // An unknown lead is a LeadNotFoundError, which the error table answers with 404.
      return await leadTimeline(ctx.store, principal.workspace, params.id ?? "");
    },
  );
}

/** The plan's history period; a bad one is named as `history` (a PeriodError alone would blame `period`). */
function historyPeriod(text: string) {
  try {
    return parsePeriod(text);
  } catch (error) {
    if (error instanceof PeriodError) throw new ApiError(400, "invalid_request", error.message, "query.history");
    throw error;
  }
}
