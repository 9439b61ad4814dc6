/**
 * SQL fragments the metrics share, written once for both engines (the differences live in
 * store/dialect.ts). Values are always bound parameters; the only text pasted in is
 * Verity's own (grain names, column names of its own schema).
 */
import { raw, type Sql, sql, timestamp } from "../store/sql.js";
import type { Grain, MetricContext } from "./metric.js";
import { Z95 } from "./statistics.js";

/** A moment as a TIMESTAMP parameter (store/sql.ts `timestamp`), under the short name metrics use. */
export const ts = timestamp;

/** `column` within the context's period, half-open: [start, end). */
export function inPeriod(ctx: MetricContext, column: Sql): Sql {
  return sql`(${column} >= ${ts(ctx.period.start)} AND ${column} < ${ts(ctx.period.end)})`;
}

/** The first instant of the grain bucket `column` falls in (weeks start on Monday on both engines). */
export function bucket(grain: Grain, column: Sql): Sql {
  return sql`CAST(date_trunc(${raw(`'${grain}'`)}, ${column}) AS TIMESTAMP)`;
}

/** Days (with fractions) from `from` to `to`. */
export function daysBetween(ctx: MetricContext, from: Sql, to: Sql): Sql {
  const d = ctx.store.dialect;
  return sql`((${d.epoch(to)} - ${d.epoch(from)}) / 86400.0)`;
}

/** a / b as a double, NULL when b is 0 (integer division differs between the engines). */
export function ratio(a: Sql, b: Sql): Sql {
  return sql`(CAST(${a} AS FLOAT8) / NULLIF(CAST(${b} AS FLOAT8), 0))`;
}

/**
 * The lead filters of a request (pipeline, team or rep, source) over a leads table aliased
 * `alias`. `--source social` means every social network; `--source unknown` leads without one.
 */
export function leadFilter(ctx: MetricContext, alias: string): Sql {
  const a = raw(alias);
  const parts: Sql[] = [sql`${a}.workspace_id = ${ctx.workspace}`];
  const { pipeline, team, rep, source } = ctx.filters;
  if (pipeline) parts.push(sql`${a}.pipeline_id = ${pipeline.id}`);
  if (rep) parts.push(sql`${a}.owner_id = ${rep.id}`);
  if (team) {
    parts.push(sql`${a}.owner_id IN (SELECT id FROM reps WHERE workspace_id = ${ctx.workspace} AND team = ${team})`);
  }
  if (source === "social") parts.push(sql`${a}.source_channel LIKE 'social:%'`);
  else if (source === "unknown") parts.push(sql`${a}.source_channel IS NULL`);
  else if (source) parts.push(sql`${a}.source_channel = ${source}`);
  return joinAnd(parts);
}

/** The rep filters (team or rep) over a column holding a rep id (activities.rep_id). */
export function repFilter(ctx: MetricContext, column: Sql): Sql {
  const { team, rep } = ctx.filters;
  if (rep) return sql`${column} = ${rep.id}`;
  if (team) return sql`${column} IN (SELECT id FROM reps WHERE workspace_id = ${ctx.workspace} AND team = ${team})`;
  return sql`TRUE`;
}

export function joinAnd(parts: readonly Sql[]): Sql {
  if (parts.length === 0) return sql`TRUE`;
  return parts.slice(1).reduce((acc, part) => sql`${acc} AND ${part}`, parts[0] as Sql);
}

/** A lead's value when it is in the reporting currency, else NULL (never mixed). */
export function money(ctx: MetricContext, alias: string): Sql {
  const a = raw(alias);
  if (!ctx.currency) return sql`CAST(NULL AS NUMERIC(18,2))`;
  return sql`CASE WHEN ${a}.currency = ${ctx.currency} THEN ${a}.value END`;
}

/**
 * `lead_facts`: one row per lead that passes the request's filters, with what several
 * metrics derive from its stage history (stored on the lead at ingest,
 * src/derive/lead-progress.ts):
 * - `qualified_at`: the lead's qualified_at; else when it first reached the qualifying
 *   stage or any open stage after it, or a won stage (a skipped stage counts as passed,
 *   METRICS.md 2); else, for a won lead, its close (winning passes every stage).
 * - `furthest_position`: the furthest open stage it ever reached (a backward move does not
 *   undo progress), from its stage events and its current stage.
 * - `amount`: the value in the reporting currency (NULL for other currencies).
 * - `source`: source_channel, `unknown` when empty.
 * - `name`, `account`, `last_activity_at`, `last_activity_type`: only with `list` (a list that
 *   shows leads; the figures need none of them).
 *
 * Returns the CTE list without WITH, so callers write `WITH ${leadFacts(ctx)}, more AS (...)`.
 */
export function leadFacts(ctx: MetricContext, options: { list?: boolean } = {}): Sql {
  const names = options.list ? sql`l.name, l.account, l.last_activity_at, l.last_activity_type, ` : sql``;
  return sql`
  lead_facts AS (
    SELECT l.id AS lead_id, ${names}l.owner_id, l.pipeline_id, l.stage_id, l.status, l.created_at, l.closed_at,
      l.loss_reason, l.competitor, l.contact, l.contact_hash, l.last_event_at, l.last_event_stage_id, l.utm_source, l.utm_medium, l.utm_campaign,
      COALESCE(l.source_channel, 'unknown') AS source,
      ${money(ctx, "l")} AS amount,
      COALESCE(l.qualified_at, l.reached_qualifying_at, CASE WHEN l.status = 'won' THEN l.closed_at END)
        AS qualified_at,
      GREATEST(l.furthest_position, CASE WHEN cs.kind = 'open' THEN cs.position END) AS furthest_position
    FROM leads l
    LEFT JOIN stages cs ON cs.workspace_id = l.workspace_id AND cs.id = l.stage_id
    WHERE ${leadFilter(ctx, "l")}
  )`;
}

/**
 * The median of a histogram, as percentile_cont(0.5) / quantile_cont(0.5) over the values it
 * counts (the mean of the two middle values for an even count): `${name}` AS (jk, median)
 * from `histogram` (jk, value, n), one row per key and value. Keys that are NULL are
 * dropped. Returns the CTE list without WITH (two CTEs: ${name}_cum and ${name}).
 */
export function histogramMedian(histogram: string, name: string): Sql {
  const h = raw(histogram);
  const cum = raw(`${name}_cum`);
  return sql`
  ${cum} AS (
    SELECT jk, value,
      sum(n) OVER (PARTITION BY jk ORDER BY value ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS cum,
      sum(n) OVER (PARTITION BY jk) AS total
    FROM ${h} WHERE jk IS NOT NULL AND n > 0
  ),
  ${raw(name)} AS (
    -- The values at 0-based positions floor((total - 1) / 2) and ceil((total - 1) / 2).
    SELECT jk, (CAST(min(CASE WHEN cum > floor((total - 1) / 2.0) THEN value END) AS FLOAT8)
      + CAST(min(CASE WHEN cum > ceil((total - 1) / 2.0) THEN value END) AS FLOAT8)) / 2.0 AS median
    FROM ${cum} GROUP BY jk
  )`;
}

/**
 * Medians with their distribution-free 95% interval (METRICS.md, "Signal or noise"): the
 * values at the order-statistic ranks floor(n/2 - z sqrt(n)/2) and ceil(1 + n/2 + z sqrt(n)/2)
 * (z = 1.96), clipped to 1..n; low and high are NULL for n < 6, too few values for an
 * interval (src/metrics/metric.ts `Evidence`, statistics.ts `medianIntervalRanks`). The
 * median is the continuous one (the mean of the two middle values for an even n), as
 * percentile_cont(0.5) gives it.
 *
 * `${name}` AS (keys..., n, median, low, high) from `source` (keys..., value): one row per
 * group of `keys` (column names of the source; NULL keys form a group of their own, as in
 * GROUP BY); NULL values are left out. Returns the CTE list without WITH (two CTEs:
 * ${name}_ranked and ${name}). The ranks are computed in FLOAT8 on both engines, as
 * TypeScript computes them.
 */
export function medianInterval(source: string, name: string, keys: readonly string[]): Sql {
  const ranked = raw(`${name}_ranked`);
  const list = keys.join(", ");
  const partition = raw(keys.length > 0 ? `PARTITION BY ${list} ` : "");
  const selectKeys = raw(keys.length > 0 ? `${list}, ` : "");
  const groupBy = raw(keys.length > 0 ? `GROUP BY ${list}` : "");
  const z = raw(`CAST(${Z95} AS FLOAT8)`);
  const at = (rank: Sql) => sql`CAST(min(CASE WHEN rn = ${rank} THEN value END) AS FLOAT8)`;
  return sql`
  ${ranked} AS (
    SELECT ${selectKeys}value,
      row_number() OVER (${partition}ORDER BY value) AS rn,
      CAST(count(*) OVER (${partition}) AS FLOAT8) AS n
    FROM ${raw(source)} WHERE value IS NOT NULL
  ),
  ${raw(name)} AS (
    SELECT ${selectKeys}CAST(max(n) AS BIGINT) AS n,
      (${at(sql`floor((n - 1) / 2) + 1`)} + ${at(sql`ceil((n - 1) / 2) + 1`)}) / 2 AS median,
      CASE WHEN max(n) >= 6 THEN ${at(sql`GREATEST(1, floor(n / 2 - ${z} * sqrt(n) / 2))`)} END AS low,
      CASE WHEN max(n) >= 6 THEN ${at(sql`LEAST(n, ceil(1 + n / 2 + ${z} * sqrt(n) / 2))`)} END AS high
    FROM ${ranked} ${groupBy}
  )`;
}

/** The decimals tidy() keeps. */
const TIDY_PLACES = 6;

/**
 * A figure rounded in SQL as tidy() rounds it (half up, 6 decimals), for a statement that
 * sorts by what is shown. In double precision on both engines, so both give the same double
 * (PostgreSQL's round() takes only numeric, and a double cast to numeric keeps 15 digits);
 * tidy() of the result leaves it as it is.
 */
export function tidied(expr: Sql): Sql {
  const scale = sql`CAST(${raw(String(10 ** TIDY_PLACES))} AS FLOAT8)`;
  return sql`(floor(CAST(${expr} AS FLOAT8) * ${scale} + CAST(0.5 AS FLOAT8)) / ${scale})`;
}

/** Rounds every fraction in a result to 6 decimals, so both engines' floating point agree. */
export function tidy<T>(value: T): T {
  if (typeof value === "number") {
    return (Number.isInteger(value) ? value : Math.round(value * 10 ** TIDY_PLACES) / 10 ** TIDY_PLACES) as T;
  }
  if (Array.isArray(value)) return value.map(tidy) as T;
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = tidy(v);
    return out as T;
  }
  return value;
}
