/**
 * The planted stories are found (issue 14, "Null simulations"): on the simulated company with
 * its four stories (src/simulate/planted-patterns.ts), every seed, the vanity check calls each
 * story a signal in the periods it is planted in, and the velocity metric flags every holder rep:
 *
 * - 2026-Q2 vs 2026-Q1: new leads up beyond normal variation, the pair "new-leads" diverging;
 * - 2025-11 vs 2025-10: website visits up, returning visitors within normal variation, the
 *   pair "visits" diverging;
 * - 2026-H1 vs 2025-H2: followers up, the pair "followers" diverging;
 * - whole range: every "holder" rep's lost deals credibly held longer than won ones.
 *
 * Each period is judged as the check judges it (the period, the one before and up to 12
 * earlier periods of the same length), from figures measured once per period
 * (test/support/simulated-series.ts). Three seeds of size s on PostgreSQL and one on DuckDB:
 * about 10 s of measuring per seed on a quiet machine (30 periods and one velocity report).
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { VanityFinding } from "../src/insights/vanity-check.js";
import { velocity } from "../src/metrics/definitions/velocity.js";
import { buildCompany } from "../src/simulate/company.js";
import { SIZE_PRESETS } from "../src/simulate/sizes.js";
import { type Engine, engines } from "./support/databases.js";
import { report } from "./support/metric-fixtures.js";
import { SIMULATED_WORKSPACE } from "./support/simulated-company.js";
import { judgeOne, measureSeries, simulatedStore } from "./support/simulated-series.js";
import type { TestStore } from "./support/stores.js";

/** The story's period with the 12 before it (months), all quarters and halves up to it. */
const MONTHS = [
  "2024-11",
  "2024-12",
  "2025-01",
  "2025-02",
  "2025-03",
  "2025-04",
  "2025-05",
  "2025-06",
  "2025-07",
  "2025-08",
  "2025-09",
  "2025-10",
  "2025-11",
];
const QUARTERS = [
  "2023-Q4",
  "2024-Q1",
  "2024-Q2",
  "2024-Q3",
  "2024-Q4",
  "2025-Q1",
  "2025-Q2",
  "2025-Q3",
  "2025-Q4",
  "2026-Q1",
  "2026-Q2",
];
const HALVES = ["2024-H1", "2024-H2", "2025-H1", "2025-H2", "2026-H1"];

type Story = { seed: number; period: string; finding: VanityFinding };
type SeedResult = { seed: number; stories: Story[]; holders: string[]; flagged: string[] };

/** One line with what a reader needs to see why a story was or was not called: values, n, ranges. */
function describeFinding({ seed, period, finding: f }: Story): string {
  const figure = (fig: VanityFinding["vanityFigure"]) => {
    const j = fig.judgement;
    const range = j?.normalRange ? `${round(j.normalRange.low)}..${round(j.normalRange.high)}` : "-";
    return `${fig.label} ${round(fig.previous)} -> ${round(fig.value)} (${JSON.stringify(fig.evidence)}; ${j?.movement ?? "null"}, normal ${range})`;
  };
  return `seed ${seed} ${period} ${f.vanity}: ${f.verdict}; ${figure(f.vanityFigure)}; ${figure(f.realFigure)}`;
}
const round = (x: number | null) => (x === null ? "null" : Number(x.toPrecision(5)));

async function measureSeed(engine: Engine, seed: number): Promise<SeedResult> {
  const test: TestStore = await simulatedStore(engine, { seed });
  try {
    const pick = (judged: ReturnType<typeof judgeOne>, vanity: string): Story => {
      const finding = judged.findings.find((f) => f.vanity === vanity);
      if (!finding) throw new Error(`no finding for ${vanity}`);
      return { seed, period: judged.period, finding };
    };
    const months = await measureSeries(test.store, MONTHS);
    const quarters = await measureSeries(test.store, QUARTERS);
    const halves = await measureSeries(test.store, HALVES);
    const stories = [
      pick(judgeOne(quarters, "2026-Q2"), "new-leads"),
      pick(judgeOne(months, "2025-11"), "visits"),
      pick(judgeOne(halves, "2026-H1"), "followers"),
    ];
    const holders = buildCompany(SIZE_PRESETS.s, seed)
      .reps.filter((rep) => rep.profile === "holder")
      .map((rep) => rep.id);
    const r = await report(test.store, velocity, { workspace: SIMULATED_WORKSPACE, period: "2024-01-01..2026-09-30" });
    const flagged = r.result.byRep.filter((rep) => rep.heldLonger === true).map((rep) => String(rep.repId));
    return { seed, stories, holders, flagged };
  } finally {
    await test.dispose();
  }
}

// Three seeds on PostgreSQL and one on DuckDB keep CI within its time (seeds 5 and 6 are the
// ones where the old held-longer rule missed a holder; PostgreSQL measures these hundreds of
// small queries several times faster: simulated-series.ts simulationEngine); each engine where
// it is tested, and all four seeds on the one engine of a run that has only one.
const RUNS: { engine: Engine; seeds: number[] }[] = (() => {
  const [only, ...more] = engines();
  if (more.length === 0 && only) return [{ engine: only, seeds: [1, 3, 5, 6] }];
  return [
    { engine: "postgres" as const, seeds: [1, 3, 5] },
    { engine: "duckdb" as const, seeds: [6] },
  ];
})();

describe.each(RUNS)("the planted stories are called signals ($engine, seeds $seeds)", ({ engine, seeds }) => {
  const results: SeedResult[] = [];
  beforeAll(async () => {
    for (const seed of seeds) results.push(await measureSeed(engine, seed));
    console.log(
      `planted stories (${engine}):\n${results
        .flatMap((r) => [
          ...r.stories.map(describeFinding),
          `seed ${r.seed} holders ${r.holders.join(", ")}; flagged ${r.flagged.join(", ")}`,
        ])
        .join("\n")}`,
    );
  }, 600_000);
  afterAll(() => {
    results.length = 0;
  });

  test("2026-Q2: new leads up, the pair diverging (lead quality falling)", () => {
    for (const r of results) {
      const story = r.stories[0] as Story;
      expect(story.finding.vanityMovement, describeFinding(story)).toBe("up");
      expect(story.finding.verdict, describeFinding(story)).toBe("diverging");
    }
  });

  test("2025-11: visits up on paid traffic, returning visitors within normal variation, the pair diverging", () => {
    for (const r of results) {
      const story = r.stories[1] as Story;
      expect(story.finding.vanityMovement, describeFinding(story)).toBe("up");
      expect(story.finding.realMovement, describeFinding(story)).toBe("within");
      expect(story.finding.verdict, describeFinding(story)).toBe("diverging");
    }
  });

  test("2026-H1: followers up after the giveaway, the pair diverging", () => {
    for (const r of results) {
      const story = r.stories[2] as Story;
      expect(story.finding.vanityMovement, describeFinding(story)).toBe("up");
      expect(story.finding.verdict, describeFinding(story)).toBe("diverging");
    }
  });

  test("every holder rep's lost deals are credibly held longer", () => {
    for (const r of results) {
      expect(r.holders.length).toBeGreaterThan(0);
      for (const holder of r.holders) expect(r.flagged, `seed ${r.seed}: ${holder}`).toContain(holder);
    }
  });
});
