/**
 * `verity stalled`, `verity plan` and `verity report` on a small hand-made company, on every
 * engine, as a user meets them (in-process CLI, test/support/cli-in-process.ts): a Salesforce
 * lead id is shown whole in the stalled table, CSV and JSON (issue 14: `salesforce:0…` found
 * nothing); `plan` without --pipeline plans every pipeline instead of stopping; the report
 * prints each figure's n.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Papa from "papaparse";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { verityInProcess } from "./support/cli-in-process.js";
import { createTestDatabase, engines, type TestDatabase } from "./support/databases.js";
import { BASE, type Fixture, type FixtureRow, lead, writeFixture } from "./support/metric-fixtures.js";

const SALESFORCE_ID = "salesforce:0065g00000XyZabAAB";
const LONG_NAME = "Karurvik Building Automation, Inc. – Core + Scheduling";

/** A lead of pipeline `pipeline` created and won in 2025, with its stage events when given. */
function won(id: string, pipeline: string, created: string, closed: string, stage: string): FixtureRow {
  return lead({ id, pipeline_id: pipeline, created_at: created, status: "won", closed_at: closed, stage_id: stage });
}

function lost(id: string, pipeline: string, stage: string): FixtureRow {
  return lead({
    id,
    pipeline_id: pipeline,
    created_at: "2025-02-01",
    status: "lost",
    closed_at: "2025-12-20",
    stage_id: stage,
  });
}

// Three pipelines, every lead created in 2025 (the default history of a 2026-Q1 plan):
// Sales (New, Qualified, Demo, Proposal): 4 won, each 10 days in every stage (New from
//   creation, then Qualified, Demo, Proposal, won 40 days after creation); 4 lost at New;
//   the Salesforce lead open in New since 06-01.
//   Conversion: New 4 / (4 + 4) = 0.5, Qualified, Demo, Proposal 4 / 4 = 1 (the open lead
//   is left out). Target 10 won: Proposal, Demo, Qualified 10 each, New 10 / 0.5 = 20.
// Upsell (Identified, Offer): 2 won past both, 2 lost at Identified: Identified 2 / 4 = 0.5,
//   Offer 2 / 2 = 1. Target 10: Offer 10, Identified 20.
// Partners (Introduced): one open lead, nothing won or lost: no conversion, no plan.
// Stalled, as of the latest data (2025-12-20, the losses): the Salesforce lead has been in
// New 202 days, over 2 x the won median of 10: 182 days over. Nothing else open has a
// benchmark (Partners' lead: no won lead ever passed Introduced).
const SALES_WON = [
  ["w1", "2025-03-01"],
  ["w2", "2025-04-01"],
  ["w3", "2025-05-01"],
  ["w4", "2025-06-01"],
] as const;
const DAY = 86_400_000;
const plusDays = (day: string, n: number) => new Date(Date.parse(day) + n * DAY).toISOString().slice(0, 10);

const FIXTURE: Fixture = {
  ...BASE,
  pipelines: [...(BASE.pipelines ?? []), { id: "x", name: "Upsell" }, { id: "y", name: "Partners" }],
  stages: [
    ...(BASE.stages ?? []),
    { id: "x1", pipeline_id: "x", name: "Identified", position: 0 },
    { id: "x2", pipeline_id: "x", name: "Offer", position: 1 },
    { id: "y1", pipeline_id: "y", name: "Introduced", position: 0 },
  ],
  leads: [
    ...SALES_WON.map(([id, created]) => won(id, "p", created, plusDays(created, 40), "prop")),
    ...["l1", "l2", "l3", "l4"].map((id) => lost(id, "p", "new")),
    lead({ id: SALESFORCE_ID, name: LONG_NAME, created_at: "2025-06-01", stage_id: "new", owner_id: "bob" }),
    won("u1", "x", "2025-03-01", "2025-04-01", "x2"),
    won("u2", "x", "2025-05-01", "2025-06-01", "x2"),
    lost("u3", "x", "x1"),
    lost("u4", "x", "x1"),
    lead({ id: "r1", pipeline_id: "y", created_at: "2025-09-01", stage_id: "y1" }),
  ],
  stage_events: [
    ...SALES_WON.flatMap(([id, created]) =>
      ["new", "qual", "demo", "prop"].map((stage, i) => ({
        lead_id: id,
        to_stage_id: stage,
        changed_at: plusDays(created, 10 * i),
      })),
    ),
    { lead_id: SALESFORCE_ID, to_stage_id: "new", changed_at: "2025-06-01" },
  ],
};

const ENV = { VERITY_DATABASE_URL: "", VERITY_DB: "", VERITY_WORKSPACE: "" };

describe.each(engines())("stalled, plan and report on %s", (engine) => {
  let dir: string;
  let pg: TestDatabase | undefined;
  let db: string;
  const verity = (args: string[]) => verityInProcess(["--db", db, ...args], ENV);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "verity-cli-stalled-plan-"));
    if (engine === "postgres") {
      pg = await createTestDatabase();
      db = pg.url;
    } else {
      db = join(dir, "fixture.duckdb");
    }
    const files = await writeFixture(FIXTURE);
    try {
      const imported = await verity(["import", files, "--format", "verity"]);
      expect(imported.stderr).toBe("");
      expect(imported.code).toBe(0);
    } finally {
      await rm(files, { recursive: true, force: true });
    }
  });
  afterAll(async () => {
    await pg?.drop();
    await rm(dir, { recursive: true, force: true });
  });

  test("stalled shows a Salesforce lead id whole, in the table, the CSV and the JSON", async () => {
    const table = await verity(["stalled"]);
    expect(table.code).toBe(0);
    const lines = table.stdout.trimEnd().split("\n");
    expect(lines[0]).toBe("Stalled leads as of 2025-12-20: days in stage over 2 x the won median");
    const row = lines.find((line) => line.startsWith(SALESFORCE_ID));
    // The id whole, then the name (shortened only when the table would be too wide), owner, stage.
    expect(row).toMatch(new RegExp(`^${SALESFORCE_ID} +Karurvik[^ ]* .*Bob +New +– +202\\.0 d +182\\.0 d +none$`));
    for (const line of lines) expect([...line].length).toBeLessThanOrEqual(100);

    const json = JSON.parse((await verity(["stalled", "--format", "json"])).stdout);
    expect(json.leads.map((l: { id: string; name: string; daysOver: number }) => [l.id, l.name, l.daysOver])).toEqual([
      [SALESFORCE_ID, LONG_NAME, 182],
    ]);
    expect(json).toMatchObject({ openLeads: 2, withoutBenchmark: 1 });

    const csv = (await verity(["stalled", "--format", "csv"])).stdout;
    const list = Papa.parse<Record<string, string>>(csv.split("\n\n")[0] ?? "", { header: true });
    expect(list.data).toEqual([
      {
        id: SALESFORCE_ID,
        name: LONG_NAME,
        owner: "Bob",
        stage: "New",
        value: "",
        days: "202",
        daysOver: "182",
        lastActivity: "none",
      },
    ]);
  });

  test("the stalled id is what `verity timeline` finds the lead by", async () => {
    const timeline = await verity(["timeline", SALESFORCE_ID]);
    expect(timeline.code).toBe(0);
    expect(timeline.stdout).toContain(LONG_NAME);
  });

  test("plan without --pipeline plans each pipeline, titled, and says why one cannot be planned", async () => {
    const { code, stdout, stderr } = await verity(["plan", "-p", "2026-Q1", "--target-won", "10"]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const headings = stdout.split("\n").filter((line) => line.startsWith("━━ "));
    expect(headings.map((h) => h.replace(/ ━+$/, ""))).toEqual([
      "━━ Pipeline Sales",
      "━━ Pipeline Upsell",
      "━━ Pipeline Partners",
    ]);
    // Sentences are wrapped at 100 columns: compared with their line breaks as spaces.
    const text = stdout.replace(/\s+/g, " ");
    expect(text).toMatch(
      /━━ Pipeline Partners ━+ no plan: no lead created 2025-01-01..2025-12-31 was won or lost after reaching "Introduced"; its conversion is unknown/,
    );
    expect(stdout).toContain("Leads needed for 10 won leads in 2026-Q1 (Sales)");
    expect(stdout).toContain("Leads needed for 10 won leads in 2026-Q1 (Upsell)");
    expect(text).toContain("is planned for the whole target on its own");
    for (const line of stdout.split("\n")) expect([...line].length).toBeLessThanOrEqual(100);

    const json = JSON.parse((await verity(["plan", "-p", "2026-Q1", "--target-won", "10", "--format", "json"])).stdout);
    expect(Object.keys(json)).toEqual(["plans", "unplanned", "notes"]);
    expect(
      json.plans.map((p: { pipeline: { name: string }; measuredOn: number; stages: { leads: number }[] }) => [
        p.pipeline.name,
        p.measuredOn,
        p.stages.map((s) => s.leads),
      ]),
    ).toEqual([
      ["Sales", 9, [20, 10, 10, 10]],
      ["Upsell", 4, [20, 10]],
    ]);
    expect(json.unplanned).toEqual([
      {
        pipeline: { id: "y", name: "Partners" },
        reason:
          'no lead created 2025-01-01..2025-12-31 was won or lost after reaching "Introduced"; its conversion is unknown',
      },
    ]);
    expect(json.notes).toEqual([
      "each of the 3 pipelines with leads created 2025-01-01..2025-12-31 is planned for the whole target on its " +
        "own; to split the target between them, plan each share with --pipeline",
    ]);

    const csv = (await verity(["plan", "-p", "2026-Q1", "--target-won", "10", "--format", "csv"])).stdout;
    const sections = csv.trim().split("\n\n");
    expect(sections.map((s) => s.split("\n")[0])).toEqual([
      "# Leads needed for 10 won leads in 2026-Q1 (Sales)",
      "# Leads needed for 10 won leads in 2026-Q1 (Upsell)",
    ]);
  });

  test("--pipeline still plans one, untitled; a pipeline that cannot be planned is an error", async () => {
    const one = await verity(["plan", "-p", "2026-Q1", "--target-won", "10", "--pipeline", "Upsell"]);
    expect(one.code).toBe(0);
    expect(one.stdout.split("\n")[0]).toBe("Leads needed for 10 won leads in 2026-Q1 (Upsell)");
    expect(one.stdout).not.toContain("━━");
    const json = JSON.parse(
      (await verity(["plan", "-p", "2026-Q1", "--target-won", "10", "--pipeline", "Upsell", "--format", "json"]))
        .stdout,
    );
    expect(json.plans.map((p: { pipeline: { id: string } }) => p.pipeline.id)).toEqual(["x"]);
    expect(json).toMatchObject({ unplanned: [], notes: [] });

    const partners = await verity(["plan", "-p", "2026-Q1", "--target-won", "10", "--pipeline", "Partners"]);
    expect(partners.code).toBe(1);
    expect(partners.stdout).toBe("");
    expect(partners.stderr).toMatch(/^verity: no lead created .* "Introduced"; its conversion is unknown\n$/);
  });

  test("report prints every figure with its n, and 'cannot tell' where the data has no amounts", async () => {
    const { code, stdout } = await verity(["report", "-p", "2025"]);
    expect(code).toBe(0);
    const lines = stdout.split("\n");
    // Leads closed in 2025: Sales 4 won, 4 lost; Upsell 2 won, 2 lost (the Salesforce and the
    // Partners lead are open): 6 of 12. Wilson 95%: 0.254..0.746.
    expect(lines).toContain("  Win rate of the cohort                              50.0% (6 of 12, 95% 25.4–74.6%)");
    // Days to win: Sales 30 each from qualification; Upsell (no qualifying stage) 31 each from
    // creation. Median of [30, 30, 30, 30, 31, 31] = 30; n = 6, ranks 1 and 6: 30..31.
    expect(lines).toContain(
      "  Median days to win                                 30.0 d (median of 6 leads, 95% 30.0–31.0)",
    );
    // No lead has an amount: money figures say so instead of 0.
    expect(stdout).toMatch(/\n {2}Won value {32}cannot tell: the loaded leads carry no amounts/);
    for (const line of lines) expect([...line].length).toBeLessThanOrEqual(100);
  });
});
