/**
 * Every metric's SQL as each engine receives it, compared with the files committed in
 * src/metrics/sql/: a change to a metric's statements or to the dialect (store/dialect.ts)
 * shows in review as a diff of those files. No database: build is a pure function of the
 * context. After an intended change, `npx vitest run src/metrics/pinned-sql.test.ts -u`
 * rewrites them; under CI=true a missing file fails instead of being written.
 */
import { describe, expect, test } from "vitest";
import { FIXTURE_VARIANTS, fixtureInput } from "../../test/support/pure-metric-inputs.js";
import { type Period, trailingPeriods } from "../model/period.js";
import type { EngineName } from "../store/dialect.js";
import type { SqlValue } from "../store/sql.js";
import type { Row } from "../store/store.js";
import { regroupStatement } from "./definitions/activity-quality.js";
import type { MetricInput, Statement, Statements } from "./metric.js";
import { METRICS } from "./registry.js";
import { buildStalledLeads } from "./stalled-leads.js";
import { VANITY, vanityDefinition } from "./vanity.js";

const ENGINES: readonly EngineName[] = ["duckdb", "postgres"];

/** A file's text: its header, then per variant each statement with its bound values, or `empty`. */
function pinnedText(header: string, variants: readonly [string, () => Statements | null][], empty: string): string {
  const parts = [header];
  for (const [variant, build] of variants) {
    const statements = build();
    parts.push(`\n-- variant: ${variant}`);
    if (statements === null) {
      parts.push(empty);
      continue;
    }
    for (const [name, statement] of Object.entries(statements)) {
      const { text, values } = statement.sql.compile();
      parts.push(`-- statement: ${name}`, tidy(text), `-- values: ${JSON.stringify(values.map(printable))}`);
    }
  }
  return `${parts.join("\n")}\n`;
}

/** Trailing blanks and blank lines carry no meaning; leaving them out keeps the files lint-clean. */
function tidy(text: string): string {
  return text
    .split("\n")
    .map((line) => line.trimEnd())
    .filter((line) => line.length > 0)
    .join("\n");
}

/**
 * Per fixture variant, a statement across periods (src/metrics/across-periods.ts) for the
 * fixture's period and the two before it.
 */
function acrossVariants(
  engine: EngineName,
  readsSupport: boolean,
  across: (input: MetricInput, periods: readonly Period[]) => Statement<Row> | null,
): [string, () => Statements | null][] {
  return FIXTURE_VARIANTS.map((variant) => [
    variant,
    () => {
      const input = fixtureInput(engine, variant);
      const periods = trailingPeriods(input.ctx.period, 3);
      const statement = across({ ctx: input.ctx, support: readsSupport ? input.support : null }, periods);
      return statement ? { across: statement } : null;
    },
  ]);
}

const printable = (value: SqlValue) => (typeof value === "bigint" ? value.toString() : value);

describe.each(ENGINES)("the SQL each metric sends to %s", (engine) => {
  test.each(METRICS.map((m) => [m.id, m] as const))("%s", async (id, definition) => {
    const variants = FIXTURE_VARIANTS.map((variant): [string, () => Statements | null] => [
      variant,
      () => {
        const input = fixtureInput(engine, variant);
        return definition.build({ ...input, support: definition.readsSupport ? input.support : null });
      },
    ]);
    const header = `-- ${id} on ${engine}: its statements as sent, with their bound values, per fixture variant`;
    await expect(pinnedText(header, variants, "-- (nothing to ask: no data of its kind)")).toMatchFileSnapshot(
      `./sql/${id}.${engine}.sql`,
    );
  });
});

// The vanity figures (src/metrics/vanity.ts), pinned the same way, one file per figure and
// engine: src/metrics/sql/vanity-<id>.<engine>.sql.
describe.each(ENGINES)("the SQL each vanity figure sends to %s", (engine) => {
  test.each(VANITY.map((v) => v.id))("%s", async (id) => {
    const variants = FIXTURE_VARIANTS.map((variant): [string, () => Statements | null] => [
      variant,
      () => vanityDefinition(id).build({ ...fixtureInput(engine, variant), support: null }),
    ]);
    const header = `-- vanity ${id} on ${engine}: its statement as sent, with its bound values, per fixture variant`;
    await expect(
      pinnedText(header, variants, "-- (nothing to ask: the data cannot support the figure)"),
    ).toMatchFileSnapshot(`./sql/vanity-${id}.${engine}.sql`);
  });

  // And read across periods (VanityDefinition.across): the fixture's period and the two before it.
  test.each(VANITY.filter((v) => v.across).map((v) => v.id))("%s across periods", async (id) => {
    const variants = acrossVariants(
      engine,
      false,
      (input, periods) => vanityDefinition(id).across?.(input, periods) ?? null,
    );
    const header = `-- vanity ${id} across three periods on ${engine}: its statement as sent, with its bound values, per fixture variant`;
    await expect(
      pinnedText(header, variants, "-- (nothing to ask: the data cannot support the figure)"),
    ).toMatchFileSnapshot(`./sql/vanity-${id}.across.${engine}.sql`);
  });
});

// Pinned the same way: stalled leads (a list, not a MetricDefinition: src/metrics/stalled-leads.ts)
// and activity quality's follow-up (its second round, built from the first round's rows).
describe.each(ENGINES)("the SQL of stalled leads and activity quality on %s", (engine) => {
  const header = (title: string) =>
    `-- ${title} on ${engine}: its statements as sent, with their bound values, per fixture variant`;

  test("stalled-leads", async () => {
    const variants = FIXTURE_VARIANTS.map((v): [string, () => Statements | null] => [
      v,
      () => buildStalledLeads(fixtureInput(engine, v).ctx),
    ]);
    await expect(pinnedText(header("stalled-leads"), variants, "-- (nothing to ask)")).toMatchFileSnapshot(
      `./sql/stalled-leads.${engine}.sql`,
    );
  });

  test("activity-quality's second round", async () => {
    // The second round: reps a (won value 1) and b (0), which the engine left ungrouped.
    const first = {
      figures: [
        { jk: "r:a", grp: null, won_value: 1 },
        { jk: "r:b", grp: null, won_value: 0 },
      ],
      reps: [],
    } as unknown as Parameters<typeof regroupStatement>[0];
    const variants: [string, () => Statements | null][] = [
      [
        "plain, second round (performer groups a and b as lists)",
        () => {
          const again = regroupStatement(first, fixtureInput(engine));
          return again && { figures: again };
        },
      ],
    ];
    await expect(
      pinnedText(header("activity-quality (second round)"), variants, "-- (nothing to ask)"),
    ).toMatchFileSnapshot(`./sql/activity-quality.second-round.${engine}.sql`);
  });
});

// The headlines some metrics give by a cheaper road (MetricDefinition.quickHeadlines: the
// vanity check's), pinned the same way: src/metrics/sql/<id>.quick.<engine>.sql.
describe.each(ENGINES)("the SQL of the quick headlines on %s", (engine) => {
  const quick = METRICS.filter((m) => m.quickHeadlines);
  test.each(quick.map((m) => [m.id, m] as const))("%s", async (id, definition) => {
    const variants = FIXTURE_VARIANTS.map((variant): [string, () => Statements | null] => [
      variant,
      () => {
        const input = fixtureInput(engine, variant);
        return (
          definition.quickHeadlines?.build({ ...input, support: definition.readsSupport ? input.support : null }) ??
          null
        );
      },
    ]);
    const header = `-- ${id} (quick headlines ${definition.quickHeadlines?.keys.join(", ")}) on ${engine}: its statements as sent, with their bound values, per fixture variant`;
    await expect(pinnedText(header, variants, "-- (nothing to ask)")).toMatchFileSnapshot(
      `./sql/${id}.quick.${engine}.sql`,
    );
  });

  // And read across periods (QuickHeadlines.across, src/metrics/across-periods.ts): the
  // fixture's period and the two before it.
  const across = METRICS.filter((m) => m.quickHeadlines?.across);
  test.each(across.map((m) => [m.id, m] as const))("%s across periods", async (id, definition) => {
    const variants = acrossVariants(
      engine,
      definition.readsSupport,
      (input, periods) => definition.quickHeadlines?.across?.(input, periods) ?? null,
    );
    const header = `-- ${id} (quick headlines ${definition.quickHeadlines?.keys.join(", ")} across three periods) on ${engine}: its statement as sent, with its bound values, per fixture variant`;
    await expect(pinnedText(header, variants, "-- (nothing to ask)")).toMatchFileSnapshot(
      `./sql/${id}.across.${engine}.sql`,
    );
  });
});
