/**
 * Turns what a user asked for (a period, filters by name or id, options) into the
 * `MetricContext` every metric computes from: filters resolved against the workspace's reps
 * and pipelines, the reporting currency, the as-of moment and what the data can support.
 */

import { DATA_CAPABILITIES, type DataCapability, NOT_IN_CRM_EXPORTS } from "../model/capabilities.js";
import { VerityError } from "../model/errors.js";
import { type Comparison, comparisonPeriod, type Period, parsePeriod } from "../model/period.js";
import { raw, type Sql, sql, timestamp } from "../store/sql.js";
import type { Store } from "../store/store.js";
import {
  type AsOfSource,
  DATA_AREAS,
  type DataArea,
  DEFAULT_OPTIONS,
  GRAINS,
  type Grain,
  type MetricContext,
  type MetricOptions,
  type ResolvedFilters,
} from "./metric.js";
import { cachedReads } from "./read-cache.js";

/**
 * A request a user can get wrong (an unknown rep, a period with no data): one clear sentence,
 * and the parameter at fault when there is one (the API names it as `query.<parameter>`).
 */
export class MetricInputError extends VerityError {
  override name = "MetricInputError";

  constructor(message: string, parameter: string | null = null) {
    super("invalid_input", message, parameter);
  }
}

export type MetricRequest = {
  workspace: string;
  /** As the user wrote it; default: the calendar quarter of the workspace's latest data. */
  period?: string;
  compare?: Comparison | null;
  pipeline?: string;
  team?: string;
  rep?: string;
  source?: string;
  grain?: Grain;
  options?: Partial<MetricOptions>;
};

export type ResolvedRequest = { current: MetricContext; previous: MetricContext | null };

/** Resolves a request; throws MetricInputError for anything the user has to fix. */
export async function resolveRequest(given: Store, request: MetricRequest): Promise<ResolvedRequest> {
  const { workspace } = request;
  // Every read of the request (and of the metrics computed from it) is kept per data version.
  const store = await cachedReads(given, workspace);
  // Every kind of data counts: a workspace of website visits alone, or one whose leads stop
  // a year before its visits, reports the marketing metrics for the period its data reaches.
  const dataRange = await dataRangeOf(store, workspace);
  const dataEnd = latestOf(dataRange);
  if (!dataEnd) {
    throw new MetricInputError(
      `workspace "${workspace}" has no data yet; load leads, website visits, social or newsletter data with \`verity import\` (or add the tracking script), or try \`verity demo\``,
    );
  }
  const period = request.period ? parsePeriod(request.period) : quarterOf(dataEnd);
  const filters = await resolveFilters(store, workspace, request);
  const options = { ...DEFAULT_OPTIONS, ...request.options };
  validateOptions(options);
  if (request.grain && !GRAINS.includes(request.grain)) {
    throw new MetricInputError(`grain must be one of ${GRAINS.join(", ")}`, "grain");
  }
  const grain = request.grain ?? defaultGrain(period);
  const { currency, otherCurrencies } = await reportingCurrency(store, workspace);
  const capabilities = await capabilitiesOf(store, workspace);
  const current: MetricContext = {
    store,
    workspace,
    period,
    grain,
    filters,
    options,
    currency,
    otherCurrencies,
    asOf: asOfFor({ period, dataRange }, "sales").asOf,
    capabilities,
    dataRange,
  };
  return {
    current,
    previous: request.compare ? contextForPeriod(current, comparisonPeriod(period, request.compare)) : null,
  };
}

/**
 * The same request for another period (the comparison, the vanity check's earlier periods):
 * filters, currency, capabilities and data ranges are the workspace's, not the period's, so
 * only the period and its as-of change and nothing is asked of the store again.
 */
export function contextForPeriod(ctx: MetricContext, period: Period): MetricContext {
  return { ...ctx, period, asOf: asOfFor({ period, dataRange: ctx.dataRange }, "sales").asOf };
}

/**
 * "Now" for a metric of `area`: the last moment of that area's data, or the end of the period
 * when that is earlier (an earlier period is read as it stood then). The source says which,
 * and the report says it beside the date: sales data can stop at an export date months before
 * the tracking script's latest visit. An area without data takes the latest of any data
 * (source "none"): its metric has nothing to count, and the date stays a real one.
 */
export function asOfFor(
  ctx: Pick<MetricContext, "period" | "dataRange">,
  area: DataArea,
): { asOf: Date; source: AsOfSource } {
  const range = ctx.dataRange[area];
  const end = range?.end ?? latestOf(ctx.dataRange) ?? ctx.period.end;
  if (end.getTime() > ctx.period.end.getTime()) return { asOf: ctx.period.end, source: "period" };
  return { asOf: end, source: range ? area : "none" };
}

/** The last moment of any data the workspace holds; null when it holds none. */
export function latestOf(dataRange: MetricContext["dataRange"]): Date | null {
  let latest: Date | null = null;
  for (const area of DATA_AREAS) {
    const end = dataRange[area]?.end;
    if (end && (!latest || end.getTime() > latest.getTime())) latest = end;
  }
  return latest;
}

function validateOptions(options: MetricOptions): void {
  if (!(options.stalledFactor > 0)) throw new MetricInputError("the stalled factor k must be a number above 0", "k");
  if (!(Number.isInteger(options.attributionDays) && options.attributionDays >= 0)) {
    throw new MetricInputError("the attribution window must be a whole number of days, 0 or more", "windowDays");
  }
  if (!(options.performerShare > 0 && options.performerShare <= 0.5)) {
    throw new MetricInputError("the top/bottom performer share must be above 0 and at most 0.5", "topShare");
  }
}

/** Shorter periods get finer trend buckets: a quarter by week, a year by month. */
function defaultGrain(period: Period): Grain {
  const days = (period.end.getTime() - period.start.getTime()) / 86_400_000;
  if (days <= 31) return "day";
  if (days <= 92) return "week";
  if (days <= 366) return "month";
  return "quarter";
}

/** The calendar quarter `date` falls in: the default period. */
export function quarterOf(date: Date): Period {
  const quarter = Math.floor(date.getUTCMonth() / 3) + 1;
  return parsePeriod(`${date.getUTCFullYear()}-Q${quarter}`);
}

/**
 * The first and last month of a monthly rollup holding any rows counted in `count` (null
 * without any): where the table it rolls up begins and ends, for dataRangeOf to read only there.
 */
async function monthsOf(
  store: Store,
  rollup: "visit_months" | "activity_months",
  count: "visits" | "activities",
  workspace: string,
): Promise<{ first: Date; afterFirst: Date; last: Date } | null> {
  const [row] = await store.query<{ first: string | null; last: string | null }>(sql`
    SELECT min(month) AS first, max(month) AS last FROM ${raw(rollup)} WHERE workspace_id = ${workspace} AND ${raw(count)} > 0`);
  if (!row?.first || !row.last) return null;
  const first = new Date(row.first);
  const afterFirst = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 1));
  return { first, afterFirst, last: new Date(row.last) };
}

/**
 * First and last moment of each kind of data the workspace holds. The CRM's and the
 * tracked visits' in statements apart, so that a tracking batch (which changes only the tracking data's
 * version, read-cache.ts) asks again only for the visits' range, and a push of CRM rows only
 * for the rest. The visits' range and the activities' end are read within the first and last
 * month their rollups name: DuckDB then skips the row groups of the other months by their
 * min/max, and PostgreSQL reads one end of an index. At size l the whole visits' range took
 * 245 ms warm (20 million visits) and the activities' end 110 ms (10.8 million); the first view
 * after a tracking batch is 40-90 ms faster (docs/benchmarks.md). The answer never depends on
 * the rollups being right: each bound is one-sided (the first moment among the rows before the
 * end of the first month, the last among those from the last month on), so a bounded read
 * gives the table's own min or max or nothing, and nothing has the whole table read. Rollups
 * out of step could only cost time. (Verity's writes keep them in step in the same transaction.)
 */
export async function dataRangeOf(store: Store, workspace: string): Promise<MetricContext["dataRange"]> {
  const activityMonths = await monthsOf(store, "activity_months", "activities", workspace);
  const crm = (activitiesFrom: Sql) =>
    store.query<Record<string, string | null>>(sql`
    SELECT
      (SELECT min(created_at) FROM leads WHERE workspace_id = ${workspace}) AS sales_start,
      (SELECT max(latest) FROM (
        SELECT max(created_at) AS latest FROM leads WHERE workspace_id = ${workspace}
        UNION ALL SELECT max(closed_at) FROM leads WHERE workspace_id = ${workspace}
        UNION ALL SELECT max(changed_at) FROM stage_events WHERE workspace_id = ${workspace}
      ) t) AS sales_end,
      (SELECT max(occurred_at) FROM activities WHERE workspace_id = ${workspace}${activitiesFrom}) AS activities_end,
      (SELECT min(published_at) FROM social_posts WHERE workspace_id = ${workspace}) AS social_start,
      (SELECT max(captured_at) FROM social_post_snapshots WHERE workspace_id = ${workspace}) AS social_end,
      (SELECT min(subscribed_at) FROM newsletter_subscribers WHERE workspace_id = ${workspace}) AS newsletter_start,
      (SELECT max(latest) FROM (
        SELECT max(subscribed_at) AS latest FROM newsletter_subscribers WHERE workspace_id = ${workspace}
        UNION ALL SELECT max(occurred_at) FROM email_events WHERE workspace_id = ${workspace}
      ) t) AS newsletter_end,
      (SELECT min(day) FROM visit_days WHERE workspace_id = ${workspace}) AS days_start,
      (SELECT max(day) FROM visit_days WHERE workspace_id = ${workspace}) AS days_end`);
  let [row] = await crm(activityMonths ? sql` AND occurred_at >= ${timestamp(activityMonths.last)}` : sql``);
  if (activityMonths && !row?.activities_end) [row] = await crm(sql``);
  const visitMonths = await monthsOf(store, "visit_months", "visits", workspace);
  let [web] = visitMonths
    ? await store.query<Record<string, string | null>>(sql`
        SELECT
          (SELECT min(started_at) FROM visits
            WHERE workspace_id = ${workspace} AND started_at < ${timestamp(visitMonths.afterFirst)}) AS web_start,
          (SELECT max(started_at) FROM visits
            WHERE workspace_id = ${workspace} AND started_at >= ${timestamp(visitMonths.last)}) AS web_end`)
    : [];
  if (!web?.web_start || !web.web_end) {
    [web] = await store.query<Record<string, string | null>>(sql`
      SELECT min(started_at) AS web_start, max(started_at) AS web_end FROM visits WHERE workspace_id = ${workspace}`);
  }
  const latest = (a: string | null | undefined, b: string | null | undefined) =>
    a && b ? (new Date(a) >= new Date(b) ? a : b) : (a ?? b);
  const range = (start: string | null | undefined, end: string | null | undefined) =>
    start && end ? { start: new Date(start), end: new Date(end) } : null;
  // Website data: tracked visits and imported daily totals (GA4) together.
  const visits = range(web?.web_start, web?.web_end);
  const days = range(row?.days_start, row?.days_end);
  const webRange =
    visits && days
      ? {
          start: new Date(Math.min(visits.start.getTime(), days.start.getTime())),
          end: new Date(Math.max(visits.end.getTime(), days.end.getTime())),
        }
      : (visits ?? days);
  return {
    sales: range(row?.sales_start, latest(row?.sales_end, row?.activities_end)),
    web: webRange,
    social: range(row?.social_start, row?.social_end),
    newsletter: range(row?.newsletter_start, row?.newsletter_end),
  };
}

async function resolveFilters(store: Store, workspace: string, request: MetricRequest): Promise<ResolvedFilters> {
  if (request.team && request.rep) throw new MetricInputError("give --team or --rep, not both", "team");
  let pipeline: ResolvedFilters["pipeline"] = null;
  if (request.pipeline) {
    const rows = await store.query<{ id: string; name: string }>(sql`
      SELECT id, name FROM pipelines
      WHERE workspace_id = ${workspace} AND (id = ${request.pipeline} OR lower(name) = lower(${request.pipeline}))
      ORDER BY id`);
    pipeline = pickOne(rows, "pipeline", request.pipeline);
  }
  let rep: ResolvedFilters["rep"] = null;
  if (request.rep) {
    const rows = await store.query<{ id: string; name: string }>(sql`
      SELECT id, name FROM reps
      WHERE workspace_id = ${workspace} AND (id = ${request.rep} OR lower(name) = lower(${request.rep}))
      ORDER BY id`);
    rep = pickOne(rows, "rep", request.rep);
  }
  let team: string | null = null;
  if (request.team) {
    const rows = await store.query<{ team: string }>(sql`
      SELECT DISTINCT team FROM reps WHERE workspace_id = ${workspace} AND lower(team) = lower(${request.team})
      ORDER BY team`);
    if (rows.length === 0) {
      const teams = await store.query<{ team: string }>(
        sql`SELECT DISTINCT team FROM reps WHERE workspace_id = ${workspace} AND team IS NOT NULL ORDER BY team`,
      );
      throw new MetricInputError(
        `no team "${request.team}" in workspace "${workspace}"; teams: ${teams.map((t) => t.team).join(", ") || "none"}`,
        "team",
      );
    }
    team = rows[0]?.team ?? null;
  }
  return { pipeline, team, rep, source: request.source ?? null };
}

function pickOne<T extends { id: string; name: string }>(rows: T[], what: string, asked: string): T {
  if (rows.length === 1) return rows[0] as T;
  if (rows.length === 0) throw new MetricInputError(`no ${what} "${asked}" (by id or name) in this workspace`, what);
  throw new MetricInputError(
    `${rows.length} ${what}s are called "${asked}" (${rows.map((r) => r.id).join(", ")}); give the id instead`,
    what,
  );
}

/**
 * The currency most leads with a value carry. Verity never adds amounts in different
 * currencies together; converting them is the importer's job (with rates the user gives).
 */
async function reportingCurrency(
  store: Store,
  workspace: string,
): Promise<{ currency: string | null; otherCurrencies: Record<string, number> }> {
  const rows = await store.query<{ currency: string; leads: number }>(sql`
    SELECT currency, count(*) AS leads FROM leads
    WHERE workspace_id = ${workspace} AND value IS NOT NULL
    GROUP BY currency ORDER BY count(*) DESC, currency`);
  const currency = rows[0]?.currency ?? null;
  const otherCurrencies: Record<string, number> = {};
  for (const row of rows.slice(1)) otherCurrencies[row.currency] = row.leads;
  return { currency, otherCurrencies };
}

/**
 * What the workspace's data can support. A capability is missing when its tables are empty,
 * or when the latest import that brought leads of a source declared it missing (Maven's
 * stage events are derived from two dates, so they are no stage history).
 */
export async function capabilitiesOf(store: Store, workspace: string): Promise<Set<DataCapability>> {
  const [counts] = await store.query<Record<string, number>>(sql`
    SELECT
      (SELECT count(*) FROM (SELECT 1 FROM stage_events WHERE workspace_id = ${workspace} LIMIT 1) t) AS stage_history,
      (SELECT count(*) FROM (SELECT 1 FROM activities WHERE workspace_id = ${workspace} LIMIT 1) t) AS activities,
      (SELECT count(*) FROM (SELECT 1 FROM visits WHERE workspace_id = ${workspace} LIMIT 1) t) AS web_visits,
      (SELECT count(*) FROM (SELECT 1 FROM visit_days WHERE workspace_id = ${workspace} LIMIT 1) t) AS web_totals,
      (SELECT count(*) FROM (SELECT 1 FROM social_posts WHERE workspace_id = ${workspace} LIMIT 1) t) AS social,
      (SELECT count(*) FROM (SELECT 1 FROM newsletter_subscribers WHERE workspace_id = ${workspace} LIMIT 1) t)
        AS newsletter,
      (SELECT count(*) FROM (SELECT 1 FROM leads WHERE workspace_id = ${workspace} AND loss_reason IS NOT NULL LIMIT 1) t)
        AS loss_reasons,
      (SELECT count(*) FROM (SELECT 1 FROM leads WHERE workspace_id = ${workspace} AND source_channel IS NOT NULL LIMIT 1) t)
        AS lead_sources,
      (SELECT count(*) FROM (
        SELECT 1 FROM leads WHERE workspace_id = ${workspace} AND qualified_at IS NOT NULL
        UNION ALL SELECT 1 FROM stages WHERE workspace_id = ${workspace} AND is_qualifying
        LIMIT 1) t) AS qualification,
      (SELECT count(*) FROM (SELECT 1 FROM leads WHERE workspace_id = ${workspace} AND status = 'lost' LIMIT 1) t)
        AS losses,
      (SELECT count(*) FROM (SELECT 1 FROM leads WHERE workspace_id = ${workspace} AND value IS NOT NULL LIMIT 1) t)
        AS amounts`);
  const present = new Set(DATA_CAPABILITIES.filter((c) => Number(counts?.[c] ?? 0) > 0));
  const imports = await store.query<{ source_system: string; summary: string }>(sql`
    SELECT i.source_system, i.summary FROM imports i
    WHERE i.workspace_id = ${workspace}
      -- EXISTS per import (few) reads leads_source_key once each; IN (SELECT DISTINCT ...) read every lead.
      AND EXISTS (SELECT 1 FROM leads l WHERE l.workspace_id = ${workspace} AND l.source_system = i.source_system)
    ORDER BY i.finished_at DESC`);
  const seen = new Set<string>();
  for (const row of imports) {
    const summary = JSON.parse(row.summary) as { lacks?: DataCapability[]; tables?: { leads?: unknown } };
    // An import of the source that brought no leads (a mapped subscribers file) has no say on its leads' data.
    if (!summary.tables?.leads || seen.has(row.source_system)) continue;
    seen.add(row.source_system);
    // What no CRM export holds is told by its own tables, whichever source filled them: a CRM's
    // "no newsletter here" must not hide the subscribers another import brought.
    const lacks = (summary.lacks ?? []).filter((c) => !NOT_IN_CRM_EXPORTS.includes(c));
    for (const capability of lacks) present.delete(capability);
  }
  return present;
}
