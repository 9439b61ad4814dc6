/**
 * METRICS.md 3, stalled leads: open leads whose time in their current stage exceeds k times
 * the median time won leads spent in that stage (k = 2 by default), with owner, value, days
 * over and last activity, so they can be worked or dropped early. Not a MetricDefinition:
 * a list for `verity stalled`, with its own result type and views.
 */
import { stageEventOrder } from "../derive/stage-event-order.js";
import { raw, type Sql, sql } from "../store/sql.js";
import { wonStageDaysCte } from "./definitions/velocity.js";
import { DEFAULT_OPTIONS, type MetricContext, type RowsOf, runStatements, statement, type View } from "./metric.js";
import { contextKey, rememberByReads, valueKept } from "./read-cache.js";
import type { StalledLeadsPage, StalledLeadsResult, StalledSort, StalledSortColumn } from "./results/stalled-leads.js";
import { daysBetween, leadFacts, tidied, tidy, ts } from "./sql-parts.js";
import { DEFAULT_STALLED_SORT, stalledPage } from "./stalled-page.js";

// What the list answers is declared in results/stalled-leads.ts (type-only, shared with the dashboard).
export type { StalledLead, StalledLeadsResult } from "./results/stalled-leads.js";

type LeadRow = {
  id: string;
  name: string | null;
  account: string | null;
  owner_id: string | null;
  owner_name: string | null;
  stage_id: string | null;
  stage_name: string | null;
  value: number | null;
  days: number;
  median_days: number;
  days_over: number;
  last_activity_at: string | null;
  last_activity_type: string | null;
};

type CountRow = { open_leads: number; without_benchmark: number; stalled_leads: number };
type Nullable<T> = { [K in keyof T]: T[K] | null };

/**
 * CTEs `judged` (lead_id, owner_id, stage_id, amount, days, median_days): every lead open as
 * of asOf with its days and the median it is compared with (NULL without one).
 *
 * Open as of asOf: created by then and not closed by then. With the default period (the
 * latest data), that is exactly the leads whose status is open; for an earlier as-of it
 * is the leads that were open then, in the stage their last stage event before asOf put
 * them in. Benchmarks come from leads won by asOf, so an earlier list uses no hindsight.
 */
function judged(ctx: MetricContext, basis: "stage" | "age"): Sql {
  const asOf = ts(ctx.asOf);
  const open = sql`created_at <= ${asOf} AND (closed_at IS NULL OR closed_at > ${asOf})`;
  const won = sql`status = 'won' AND closed_at <= ${asOf}`;
  const common = sql`
    ${leadFacts(ctx, { list: true })},
    -- The names ride along from the one read of the leads: joined from leads again for the
    -- stalled ones, DuckDB read the names of all of them (a million at size l, 0.4-0.6 s).
    open_leads AS MATERIALIZED (
      SELECT lead_id, name, account, owner_id, stage_id, created_at, amount, last_event_at, last_event_stage_id,
        last_activity_at, last_activity_type
      FROM lead_facts
      WHERE ${open}
    )`;
  if (basis === "age") {
    // Without stage history, total age against the median days from creation to a win.
    return sql`${common},
    won_leads AS (
      SELECT lead_id, created_at, closed_at FROM lead_facts WHERE ${won}
    ),
    benchmark AS (
      SELECT ${ctx.store.dialect.quantile(daysBetween(ctx, sql`created_at`, sql`closed_at`), 0.5)} AS median_days
      FROM won_leads
    ),
    judged AS (
      SELECT o.lead_id, o.name, o.account, o.owner_id, o.stage_id, o.amount, o.last_activity_at, o.last_activity_type,
        ${daysBetween(ctx, sql`o.created_at`, asOf)} AS days, b.median_days
      FROM open_leads o CROSS JOIN benchmark b
    )`;
  }
  return sql`${common},
    ${wonStageDaysCte(ctx, sql`d.closed_at <= ${asOf}`)},
    -- The stage events up to asOf of the open leads that moved after it, read before the
    -- stages are joined: in one join with the stages DuckDB took the events for the smaller
    -- side and hashed all 2.8 million of size l for 16,064 leads (2-8 s of the statement).
    moved_events AS MATERIALIZED (
      SELECT e.workspace_id, e.lead_id, e.to_stage_id, e.changed_at
      FROM stage_events e
      JOIN open_leads o ON o.lead_id = e.lead_id AND o.last_event_at > ${asOf}
      WHERE e.workspace_id = ${ctx.workspace} AND e.changed_at <= ${asOf}
    ),
    -- The stage each open lead was in at asOf: its last stage event by then (events at the
    -- same moment ordered by stage position, then id). That is the latest event stored on the
    -- lead at ingest, unless the lead moved after asOf (an earlier period): then its events.
    last_event AS (
      SELECT lead_id, last_event_stage_id AS to_stage_id, last_event_at AS changed_at FROM open_leads
      WHERE last_event_at <= ${asOf}
      UNION ALL
      SELECT lead_id, to_stage_id, changed_at FROM (
        SELECT e.lead_id, e.to_stage_id, e.changed_at,
          ROW_NUMBER() OVER (
            PARTITION BY e.lead_id ORDER BY ${stageEventOrder("latest")}
          ) AS rn
        FROM moved_events e
        JOIN stages s ON s.workspace_id = e.workspace_id AND s.id = e.to_stage_id
      ) ranked WHERE rn = 1
    ),
    benchmark AS (
      SELECT stage_id, ${ctx.store.dialect.quantile(sql`days`, 0.5)} AS median_days FROM stage_days GROUP BY stage_id
    ),
    judged AS (
      -- The stage of the last event up to asOf; without one, the lead's stage since creation.
      SELECT o.lead_id, o.name, o.account, o.owner_id, COALESCE(le.to_stage_id, o.stage_id) AS stage_id, o.amount,
        o.last_activity_at, o.last_activity_type, ${daysBetween(ctx, sql`COALESCE(le.changed_at, o.created_at)`, asOf)} AS days, b.median_days
      FROM open_leads o
      LEFT JOIN last_event le ON le.lead_id = o.lead_id
      LEFT JOIN benchmark b ON b.stage_id = COALESCE(le.to_stage_id, o.stage_id)
    )`;
}

/** What a kept list is kept under: of the options only k (another window or share is the same list). */
function listKey(ctx: MetricContext, ...more: unknown[]): string {
  return contextKey(
    "stalled",
    { ...ctx, options: { ...DEFAULT_OPTIONS, stalledFactor: ctx.options.stalledFactor } },
    ...more,
  );
}

/**
 * The stalled leads of ctx as of ctx.asOf: the statement built, run and shaped. Kept by the
 * data it read (read-cache.ts): shaping the list of a million leads (52,324 stalled at size l)
 * took 200-350 ms even with its rows in memory. Each kept list holds up to a few hundred
 * thousand leads, so it is kept once per k, not per window or share of the request.
 */
export async function stalledLeads(ctx: MetricContext): Promise<StalledLeadsResult> {
  return rememberByReads(
    ctx.store,
    listKey(ctx),
    async (reads) => {
      const of = { ...ctx, store: reads };
      const {
        leads,
        stalledLeads: _,
        ...counts
      } = shapeStalledLeads(await runStatements(of, buildStalledLeads(of)), of);
      return { ...counts, leads };
    },
    { rows: (list) => list.leads.length },
  );
}

/**
 * One page of the list (GET /api/stalled). A page in an order of numbers (days over, the
 * list's own and what the dashboard asks first; days; value) is read by a statement of its
 * own (the leads at positions offset + 1 to offset + limit), unless the whole list is kept
 * already: at size l the whole list took 1.0-1.1 s to compute and read (52,324 leads), its
 * first page a fifth to a third of that. Other orders are slices of the whole list
 * (stalled-page.ts). Both roads give the same page: the statement sorts by the same rounded
 * numbers, leads without one last, and the lead's id by its bytes (code points), as
 * sortedStalledLeads does.
 */
export async function stalledLeadsPage(
  ctx: MetricContext,
  page: { offset: number; limit: number; sort: StalledSort },
): Promise<StalledLeadsPage> {
  if (!sortsInSql(page.sort) || valueKept(ctx.store, listKey(ctx))) {
    return stalledPage(await stalledLeads(ctx), page);
  }
  const { offset, limit, sort } = page;
  return rememberByReads(
    ctx.store,
    listKey(ctx, offset, limit, sort),
    async (reads) => {
      const of = { ...ctx, store: reads };
      const rows = await runStatements(of, buildStalledLeads(of, page));
      const { leads, stalledLeads, ...counts } = shapeStalledLeads(rows, of);
      return { ...counts, total: stalledLeads, offset, limit, sort, leads };
    },
    { rows: (shown) => shown.leads.length },
  );
}

/** Judged by time in stage with stage history; by total age without (no stay can be measured). */
function basisOf(ctx: MetricContext): "stage" | "age" {
  return ctx.capabilities.has("stage_history") ? "stage" : "age";
}

/**
 * The orders a page can be read in by SQL: the numbers (rounded as shown, as tidy() rounds),
 * which sort alike on both engines and in JavaScript. Text columns sort by a collation the
 * engines do not share, and the last activity is known only for the leads shown: those
 * orders are cut from the whole list (stalled-page.ts).
 */
const SQL_SORTS: Partial<Record<StalledSortColumn, Sql>> = {
  daysOver: sql`days_over`,
  days: tidied(sql`days`),
  value: tidied(sql`CAST(amount AS FLOAT8)`),
};

/** Whether `sort` can be read a page at a time by SQL (SQL_SORTS). */
export function sortsInSql(sort: StalledSort): boolean {
  return SQL_SORTS[sort.split(":")[0] as StalledSortColumn] !== undefined;
}

/**
 * Pure: one pass over the open leads, the counts riding on every row (and on a single empty
 * row when nothing is stalled), the stalled ones most days over first; with `page`, only the
 * stalled leads of that page in its order (their counts still of the whole list).
 */
export function buildStalledLeads(ctx: MetricContext, page?: { offset: number; limit: number; sort: StalledSort }) {
  const w = ctx.workspace;
  const k = ctx.options.stalledFactor;
  const d = ctx.store.dialect;
  const asOf = ts(ctx.asOf);
  const basis = basisOf(ctx);
  const isStalled = sql`median_days IS NOT NULL AND days > ${k} * median_days`;
  // The order of the list or the page: the column's value as shown, leads without one last
  // either way, then the id by its bytes, i.e. code points (stalled-page.ts sorts the kept
  // list by the same keys, so a page read here is the same slice of it).
  const [column, direction] = (page?.sort ?? DEFAULT_STALLED_SORT).split(":") as [StalledSortColumn, "asc" | "desc"];
  const key = SQL_SORTS[column] ?? sql`days_over`;
  const order = sql`(${key} IS NULL), ${key} ${raw(direction === "asc" ? "ASC" : "DESC")}, ${d.binaryOrder(sql`lead_id`)}`;
  return {
    stalled: statement<CountRow & Nullable<LeadRow>>(sql`
    WITH ${judged(ctx, basis)},
    totals AS (
      SELECT count(*) AS open_leads, count(CASE WHEN median_days IS NULL THEN 1 END) AS without_benchmark,
        count(CASE WHEN ${isStalled} THEN 1 END) AS stalled_leads
      FROM judged
    ),
    stalled AS (
      SELECT *, ${tidied(sql`days - ${k} * median_days`)} AS days_over FROM judged WHERE ${isStalled}
    ),
    ordered AS (SELECT *, ROW_NUMBER() OVER (ORDER BY ${order}) AS position FROM stalled),
    shown AS (${
      page
        ? sql`SELECT * FROM ordered WHERE position > ${page.offset} AND position <= ${page.offset + page.limit}`
        : sql`SELECT * FROM ordered`
    }),
    last_activity AS (
      -- The latest activity up to asOf; of several at that moment, the first type by name. The
      -- lead's latest activity is kept on it at ingest (derive/lead-activity.ts): when that is
      -- by asOf (always for the latest data), it is the answer. Otherwise (an earlier as-of)
      -- the activities are read, per stalled lead: PostgreSQL looks each up in activities_lead
      -- (52,324 leads at size l: 1.0 s) where a semi-join merged the whole index of 9.2
      -- million activities (3.5-4 s); DuckDB plans both forms alike.
      SELECT lead_id, last_activity_at AS occurred_at, last_activity_type AS type FROM shown
      WHERE last_activity_at <= ${asOf}
      UNION ALL
      SELECT st.lead_id, la.occurred_at, la.type FROM shown st
      JOIN LATERAL (
        SELECT a.occurred_at, a.type FROM activities a
        WHERE a.workspace_id = ${w} AND a.lead_id = st.lead_id AND a.occurred_at <= ${asOf}
        ORDER BY a.occurred_at DESC, a.type
        LIMIT 1
      ) la ON TRUE
      WHERE st.last_activity_at > ${asOf}
    ),
    listed AS (
      SELECT st.lead_id AS id, st.name, st.account, st.owner_id, r.name AS owner_name,
        st.stage_id, s.name AS stage_name, CAST(st.amount AS FLOAT8) AS value, st.days, st.median_days, st.days_over,
        st.position,
        lt.occurred_at AS last_activity_at, lt.type AS last_activity_type
      FROM shown st
      LEFT JOIN reps r ON r.workspace_id = ${w} AND r.id = st.owner_id
      LEFT JOIN stages s ON s.workspace_id = ${w} AND s.id = st.stage_id
      LEFT JOIN last_activity lt ON lt.lead_id = st.lead_id
    )
    SELECT t.open_leads, t.without_benchmark, t.stalled_leads, x.*
    FROM totals t LEFT JOIN listed x ON TRUE
    ORDER BY x.position`),
  };
}

/** Pure: the list and its counts from the statement's rows, in its order. */
export function shapeStalledLeads(
  result: RowsOf<ReturnType<typeof buildStalledLeads>>,
  ctx: MetricContext,
): StalledLeadsResult & { stalledLeads: number } {
  const basis = basisOf(ctx);
  const rows = result.stalled;
  const counts = rows[0];
  const listed = rows.filter((r): r is CountRow & LeadRow => r.id !== null);
  // tidy() over the whole list walked and copied every lead again (150-230 ms for the 52,324
  // of size l): its numbers are tidied where they are made instead; the rest are strings.
  const leads = listed.map((r) => ({
    id: r.id,
    name: r.name,
    account: r.account,
    owner: r.owner_id === null ? null : { id: r.owner_id, name: r.owner_name ?? r.owner_id },
    stage: r.stage_id === null ? null : { id: r.stage_id, name: r.stage_name ?? r.stage_id },
    value: r.value === null ? null : tidy(r.value),
    days: tidy(r.days),
    medianDays: tidy(r.median_days),
    // Rounded by the statement, which sorts by it: tidy() leaves it as it is.
    daysOver: tidy(r.days_over),
    lastActivity:
      r.last_activity_at === null ? null : { date: r.last_activity_at, type: r.last_activity_type ?? "other" },
  }));
  return {
    ...tidy({
      asOf: ctx.asOf.toISOString(),
      basis,
      basisNote:
        basis === "age"
          ? "the loaded data has no stage history, so leads are judged by their total age against the median days from creation to a win"
          : null,
      factor: ctx.options.stalledFactor,
      openLeads: counts?.open_leads ?? 0,
      withoutBenchmark: counts?.without_benchmark ?? 0,
      stalledLeads: counts?.stalled_leads ?? 0,
    }),
    leads,
  };
}

/**
 * Tables for the terminal and CSV. The lead's id has a column of its own, shown whole: it
 * is what `verity timeline` and the CRM find the lead by, and a shortened one finds nothing
 * (`salesforce:0…`). The name beside it may be shortened to fit.
 */
export function stalledViews(result: StalledLeadsResult): View[] {
  const basis = result.basis === "stage" ? "days in stage" : "age in days (no stage history)";
  return [
    {
      title: `Stalled leads as of ${result.asOf.slice(0, 10)}: ${basis} over ${result.factor} x the won median`,
      columns: [
        { key: "id", label: "Lead", format: "text" },
        { key: "name", label: "Name", format: "text" },
        { key: "owner", label: "Owner", format: "text" },
        { key: "stage", label: "Stage", format: "text" },
        { key: "value", label: "Value", format: "money" },
        { key: "days", label: result.basis === "stage" ? "In stage" : "Age", format: "days" },
        { key: "daysOver", label: "Over", format: "days" },
        { key: "lastActivity", label: "Last activity", format: "text" },
      ],
      rows: result.leads.map((l) => ({
        id: l.id,
        name: l.name ?? l.account,
        owner: l.owner?.name ?? null,
        stage: l.stage?.name ?? null,
        value: l.value,
        days: l.days,
        daysOver: l.daysOver,
        lastActivity: l.lastActivity ? `${l.lastActivity.date.slice(0, 10)} ${l.lastActivity.type}` : "none",
      })),
    },
    {
      title: "Open leads checked",
      columns: [
        { key: "openLeads", label: "Open leads", format: "count" },
        { key: "stalled", label: "Stalled", format: "count" },
        { key: "withoutBenchmark", label: "No won benchmark", format: "count" },
      ],
      rows: [{ openLeads: result.openLeads, stalled: result.leads.length, withoutBenchmark: result.withoutBenchmark }],
    },
  ];
}
