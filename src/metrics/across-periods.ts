/**
 * One statement for several periods in place of one per period (issue 17). The vanity check
 * measures every pair in up to 14 periods; after a write that touched all of them (an import,
 * a renamed rep) a figure read from the leads ran its statement once per period, each reading
 * the same million leads for a quarter's slice. A definition that can say the same rows for a
 * list of periods in one statement (QuickHeadlines.across) is asked once, and each period's
 * rows are kept as that period's own statement's answer (read-cache.ts primeReads), so the
 * pairs find them and nothing else changes: the per-period statement and its rows stay the
 * contract, and test/metrics-engines.test.ts holds the two equal on both engines.
 */
import type { Period } from "../model/period.js";
import { join, raw, type Sql, sql } from "../store/sql.js";
import { joinAnd, ts } from "./sql-parts.js";

/** The column a statement across periods names each row's period by (its index in the list). */
export const PERIOD_INDEX = "period_index";

/**
 * Whether `periods` can be told apart by one CASE over a moment: in order, none overlapping
 * (the check's trailing periods are; a comparison a year back may overlap a range's history).
 */
export function disjointPeriods(periods: readonly Period[]): boolean {
  return periods.every((p, i) => i === 0 || (periods[i - 1] as Period).end.getTime() <= p.start.getTime());
}

/** From the first period's start to the last one's end (the periods in order). */
export function spanOfPeriods(periods: readonly Period[]): { from: Date; to: Date } {
  const first = periods[0];
  const last = periods[periods.length - 1];
  if (!first || !last) throw new Error("no periods");
  return { from: first.start, to: last.end };
}

/**
 * The index of the period `column` falls in, half-open as inPeriod; NULL in none (a gap
 * between periods that are not adjacent).
 */
export function periodIndexOf(periods: readonly Period[], column: Sql): Sql {
  const cases = periods.map(
    (p, i) => sql` WHEN ${column} >= ${ts(p.start)} AND ${column} < ${ts(p.end)} THEN ${raw(String(i))}`,
  );
  return sql`(CASE${join(cases, "")} END)`;
}

/** `column` within the span of `periods`: a range a scan can use before the CASE above. */
export function inSpan(periods: readonly Period[], column: Sql): Sql {
  const { from, to } = spanOfPeriods(periods);
  return joinAnd([sql`${column} >= ${ts(from)}`, sql`${column} < ${ts(to)}`]);
}

/**
 * `across_periods` AS (period_index): one row per period, for a statement to answer a row
 * for each (LEFT JOIN its groups onto it) where the per-period statement always answers one.
 */
export function periodRows(periods: readonly Period[]): Sql {
  const rows = periods.map((_, i) => `(${i})`).join(", ");
  return sql`
  across_periods AS (SELECT ${raw(PERIOD_INDEX)} FROM (VALUES ${raw(rows)}) AS v(${raw(PERIOD_INDEX)}))`;
}

/**
 * The common case: `SELECT count(*) AS <name> FROM <from> WHERE <where> AND <at> in the
 * period`, for each of `periods` in one statement (after `with`'s CTEs, when given): a row per
 * period, 0 where none.
 */
export function countsAcross(
  periods: readonly Period[],
  parts: { with?: Sql; from: Sql; where: Sql; at: Sql; name: string },
): Sql {
  const ctes = parts.with ? sql`${parts.with},` : sql``;
  return sql`
    WITH ${ctes}${periodRows(periods)},
    counted AS (
      SELECT ${periodIndexOf(periods, parts.at)} AS ${raw(PERIOD_INDEX)}, count(*) AS n
      FROM ${parts.from} WHERE ${parts.where} AND ${inSpan(periods, parts.at)} GROUP BY 1
    )
    SELECT p.${raw(PERIOD_INDEX)}, COALESCE(c.n, 0) AS ${raw(parts.name)}
    FROM across_periods p LEFT JOIN counted c ON c.${raw(PERIOD_INDEX)} = p.${raw(PERIOD_INDEX)}
    ORDER BY p.${raw(PERIOD_INDEX)}`;
}

/**
 * Aggregates per period: `rows` (a SELECT whose rows carry `period_index`, from
 * periodIndexOf) aggregated by `select` over them (aliased r), one row per period; a period
 * without rows gets the aggregates of none (counts 0, sums NULL), as one period's statement
 * over no rows does.
 */
export function aggregatesAcross(periods: readonly Period[], parts: { rows: Sql; select: Sql }): Sql {
  return sql`
    WITH ${periodRows(periods)},
    period_rows AS (${parts.rows})
    SELECT p.${raw(PERIOD_INDEX)}, ${parts.select}
    FROM across_periods p LEFT JOIN period_rows r ON r.${raw(PERIOD_INDEX)} = p.${raw(PERIOD_INDEX)}
    GROUP BY p.${raw(PERIOD_INDEX)} ORDER BY p.${raw(PERIOD_INDEX)}`;
}
