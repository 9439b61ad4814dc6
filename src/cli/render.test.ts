/**
 * The terminal's tables and figures: identifiers are never cut, and every figure prints the
 * n behind it (hand-written Evidence values, independent of the metrics).
 */
import { describe, expect, test } from "vitest";
import type { View } from "../metrics/metric.js";
import { formatEvidence, formatFigure, formatUnsupported, perWords, renderCsv, renderTable } from "./render.js";

describe("formatEvidence and formatFigure", () => {
  test("a rate: successes of trials with its Wilson 95% interval", () => {
    // 5 of 29: p = 0.1724; Wilson centre (p + z²/2n) / (1 + z²/n) = 0.2107, half-width 0.1348
    // -> 0.0760 .. 0.3455.
    const evidence = { kind: "rate", successes: 5, trials: 29 } as const;
    expect(formatEvidence(evidence, "percent")).toBe("5 of 29, 95% 7.6–34.5%");
    expect(formatFigure({ label: "Win rate", value: 5 / 29, format: "percent", evidence })).toBe(
      "17.2% (5 of 29, 95% 7.6–34.5%)",
    );
    // 0 of 0 has no interval; thousands are grouped.
    expect(formatEvidence({ kind: "rate", successes: 0, trials: 0 }, "percent")).toBe("0 of 0");
    expect(formatEvidence({ kind: "rate", successes: 1200, trials: 2400 }, "percent")).toBe(
      "1,200 of 2,400, 95% 48.0–52.0%",
    );
  });

  test("a median: how many leads it is over, and its interval in the figure's format", () => {
    const evidence = { kind: "median", n: 41, low: 28, high: 44.08 } as const;
    expect(formatFigure({ label: "Median days to win", value: 35.2, format: "days", evidence })).toBe(
      "35.2 d (median of 41 leads, 95% 28.0–44.1)",
    );
    // Under 6 values there is no interval: said, not left blank.
    expect(formatEvidence({ kind: "median", n: 4, low: null, high: null }, "days")).toBe(
      "median of 4 leads, too few for an interval",
    );
    expect(formatEvidence({ kind: "median", n: 1, low: null, high: null }, "days")).toBe(
      "median of 1 lead, too few for an interval",
    );
    expect(formatEvidence({ kind: "median", n: 30, low: 9_500, high: 14_250 }, "money", "EUR")).toBe(
      "median of 30 leads, 95% 9,500–14,250 EUR",
    );
  });

  test("a per figure: events over exposure, with the nouns of its label", () => {
    const evidence = { kind: "per", events: 720, exposure: 90 } as const;
    expect(perWords("Shares per post")).toEqual({ events: "shares", exposure: "post" });
    expect(perWords("Win rate")).toBeNull();
    expect(formatFigure({ label: "Shares per post", value: 8, format: "number", evidence })).toBe(
      "8.0 per post (720 shares / 90 posts)",
    );
    expect(formatEvidence(evidence, "number")).toBe("720 / 90");
    expect(formatEvidence({ kind: "per", events: 3, exposure: 1 }, "number", null, perWords("Meetings per call"))).toBe(
      "3 meetings / 1 call",
    );
    expect(
      formatEvidence({ kind: "per", events: 12, exposure: 4 }, "number", null, perWords("Calls per opportunity")),
    ).toBe("12 calls / 4 opportunities");
    // A per figure shown as a percent stays one.
    expect(
      formatFigure({
        label: "Calls to meetings",
        value: 117 / 920,
        format: "percent",
        evidence: { kind: "per", events: 117, exposure: 920 },
      }),
    ).toBe("12.7% (117 / 920)");
    // A label that does not name its nouns keeps the numbers.
    expect(formatFigure({ label: "Ratio", value: 0.25, format: "number", evidence })).toBe("0.25 (720 / 90)");
  });

  test("a sum: how many amounts it adds up", () => {
    const evidence = { kind: "sum", n: 16, sumOfSquares: 2e9 } as const;
    expect(formatFigure({ label: "Won value", value: 154_142, format: "money", evidence }, "EUR")).toBe(
      "154,142 EUR (16 leads)",
    );
    expect(formatEvidence({ kind: "sum", n: 1, sumOfSquares: 4 }, "money", "EUR")).toBe("1 lead");
  });

  test("a count and a level are their own n", () => {
    expect(formatEvidence({ kind: "count", n: 42 }, "count")).toBe("");
    expect(formatFigure({ label: "New leads", value: 42, format: "count", evidence: { kind: "count", n: 42 } })).toBe(
      "42",
    );
    expect(
      formatFigure({ label: "Followers", value: 1500, format: "count", evidence: { kind: "level", n: 1500 } }),
    ).toBe("1,500");
  });

  test("without evidence, or without a value, the figure prints as before", () => {
    expect(formatFigure({ label: "Win rate", value: 0.5, format: "percent" })).toBe("50.0%");
    expect(formatFigure({ label: "Win rate", value: null, format: "percent", evidence: null })).toBe("–");
  });

  test("a figure the data cannot support says why, and what fixes it, instead of a number", () => {
    const unsupported = {
      reason: "no lost leads are recorded",
      fix: "import the lost deals too",
      sv: { reason: "inga förlorade leads är registrerade", fix: "importera även de förlorade affärerna" },
    };
    expect(formatFigure({ label: "Win rate", value: null, format: "percent", unsupported })).toBe(
      "cannot tell: no lost leads are recorded (import the lost deals too)",
    );
    // The reason wins over a value and evidence that should not be there.
    expect(
      formatFigure({
        label: "Win rate",
        value: 1,
        format: "percent",
        evidence: { kind: "rate", successes: 3, trials: 3 },
        unsupported,
      }),
    ).toMatch(/^cannot tell: /);
    expect(formatUnsupported({ reason: "no amounts", fix: null, sv: { reason: "inga belopp", fix: null } })).toBe(
      "cannot tell: no amounts",
    );
  });
});

describe("renderTable", () => {
  const id = "salesforce:0065g00000XyZabAAB";
  const view: View = {
    title: "Stalled",
    columns: [
      { key: "id", label: "Lead", format: "text" },
      { key: "name", label: "Name", format: "text" },
      { key: "owner", label: "Owner", format: "text" },
      { key: "stage", label: "Stage", format: "text" },
      { key: "value", label: "Value", format: "money" },
      { key: "days", label: "In stage", format: "days" },
      { key: "over", label: "Over", format: "days" },
      { key: "last", label: "Last activity", format: "text" },
    ],
    rows: [
      {
        id,
        name: "Karurvik Building Automation, Inc. – Core + Scheduling",
        owner: "Mateo Esposito",
        stage: "Proposal/Price Quote",
        value: 154_142,
        days: 1010.6,
        over: 985.1,
        last: "2024-01-12 meeting",
      },
    ],
  };

  test("an id is shown whole, the other text shortened, within 100 columns", () => {
    const lines = renderTable(view, "EUR").split("\n");
    const row = lines.at(-1) ?? "";
    expect(row.startsWith(`${id} `)).toBe(true);
    expect(row).toContain("Karurvi…");
    expect(row).toContain("154,142 EUR");
    expect(row).toContain("1,010.6 d");
    for (const line of lines) expect([...line].length).toBeLessThanOrEqual(100);
  });

  test("a table that fits keeps two spaces between columns and cuts nothing", () => {
    const narrow: View = { ...view, columns: view.columns.filter((c) => ["id", "owner", "days"].includes(c.key)) };
    expect(renderTable(narrow, "EUR").split("\n").at(-1)).toBe(`${id}  Mateo Esposito  1,010.6 d`);
  });

  test("an id longer than the whole width is still shown whole", () => {
    const long = "x".repeat(120);
    const wide: View = { ...view, rows: [{ ...view.rows[0], id: long }] };
    expect(renderTable(wide, "EUR").split("\n").at(-1)?.startsWith(`${long} `)).toBe(true);
  });

  test("labels wider than their numbers wrap onto a second header line before anything is cut", () => {
    const labels = ["Win rate 95% low", "Win rate 95% high", "Won of all 95% low", "Won of all 95% high"];
    const numbers: View = {
      title: "Outcomes",
      columns: labels.map((label, i) => ({ key: `c${i}`, label, format: "percent" as const })),
      rows: [{ c0: 0.122, c1: 0.225, c2: 0.093, c3: 0.173 }],
    };
    // 16 + 17 + 18 + 19 + 3 x 2 = 76 columns: fits in 80, one header line.
    expect(renderTable(numbers, null, 80).split("\n")[1]).toBe(labels.join("  "));
    const lines = renderTable(numbers, null, 40).split("\n");
    expect(lines).toEqual([
      "Outcomes",
      "                       Won of     Won of",
      "Win rate   Win rate   all 95%    all 95%",
      " 95% low   95% high       low       high",
      "────────  ─────────  ────────  ─────────",
      "   12.2%      22.5%      9.3%      17.3%",
    ]);
  });
});

describe("renderCsv", () => {
  test("formula-looking text is written as text, numbers and other text as they are", () => {
    const view: View = {
      title: "Stalled",
      columns: [
        { key: "name", label: "Name", format: "text" },
        { key: "value", label: "Value", format: "money" },
        { key: "note", label: "Note", format: "text" },
      ],
      rows: [
        { name: '=HYPERLINK("https://evil.example","x")', value: -12.5, note: "-" },
        { name: "Acme", value: 3, note: "@home" },
      ],
    };
    expect(renderCsv(view).split("\r\n")).toEqual([
      "name,value,note",
      `"'=HYPERLINK(""https://evil.example"",""x"")",-12.5,'-`,
      "Acme,3,'@home",
    ]);
  });
});
