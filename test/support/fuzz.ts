/**
 * What the property-based fuzz tests (test/fuzz-*.test.ts) share: the run's seed, the
 * arbitraries of hostile text, and the checks every answer must pass.
 *
 * One seed per run: VERITY_FUZZ_SEED, or FUZZ_DEFAULT_SEED. fast-check prints the seed and
 * the path of a failing case; to replay it:
 *
 *   VERITY_FUZZ_SEED=<seed> VERITY_FUZZ_PATH=<path> npx vitest run test/fuzz-query.test.ts -t "<property>"
 *
 * (VERITY_FUZZ_PATH replays that one case, so narrow the run to its property with -t.)
 * VERITY_FUZZ_RUNS=4 multiplies every property's case count, for a longer hunt by hand.
 */
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import fc from "fast-check";
import { expect } from "vitest";
import { TABLE_ORDER } from "../../src/model/canonical.js";
import { raw, sql } from "../../src/store/sql.js";
import type { Store } from "../../src/store/store.js";

export const FUZZ_DEFAULT_SEED = 1_300_013;

export function fuzzSeed(): number {
  const raw = process.env.VERITY_FUZZ_SEED?.trim();
  if (!raw) return FUZZ_DEFAULT_SEED;
  const seed = Number(raw);
  if (!Number.isSafeInteger(seed)) throw new Error(`VERITY_FUZZ_SEED: ${raw} is not an integer`);
  return seed;
}

/**
 * fast-check's parameters for a property of `numRuns` cases. Every property of a run starts
 * from the run's seed, so one number replays the whole run.
 */
export function fuzzParameters<T>(numRuns: number, extra: fc.Parameters<T> = {}): fc.Parameters<T> {
  const scale = Number(process.env.VERITY_FUZZ_RUNS ?? 1);
  const path = process.env.VERITY_FUZZ_PATH?.trim();
  return {
    seed: fuzzSeed(),
    numRuns: Math.max(1, Math.round(numRuns * (Number.isFinite(scale) && scale > 0 ? scale : 1))),
    ...(path ? { path } : {}),
    ...extra,
  };
}

/** Rejects when `work` has not settled within `ms`: every case is bounded, so a hang fails it. */
export async function bounded<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms: ${what}`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

// --- hostile text -----------------------------------------------------------------------

export const SQL_ISH = [
  "' OR '1'='1",
  "'; DROP TABLE leads; --",
  '" OR ""="',
  "1; SELECT pg_sleep(10)",
  "%",
  "_",
  "%_%",
  "\\",
  "\\'",
  "$1",
  "::text",
  "' UNION SELECT * FROM api_keys --",
  "/* */",
  "E'\\x00'",
  "NULL",
  "null",
  "undefined",
  "__proto__",
  "constructor",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template injection attempt, as text
  "${7*7}",
  "{{7*7}}",
] as const;

export const EXTREME_NUMBERS = [
  "0",
  "-0",
  "-1",
  "1",
  "0.5",
  "1e308",
  "1e309",
  "-1e309",
  "4.9e-324",
  "1e-400",
  "NaN",
  "Infinity",
  "-Infinity",
  "9007199254740991",
  "9007199254740993",
  "-9007199254740993",
  "2147483647",
  "2147483648",
  "-2147483649",
  "18446744073709551616",
  "0x10",
  "0b11",
  "1_000",
  " 1 ",
  "1,5",
  "+1",
  "1e3",
  "00012",
  "99999999999999999999999999999999999999",
] as const;

export const ODD_DATES = [
  "9999-12-31",
  "0001-01-01",
  "9999",
  "9999-Q4",
  "9999-H2",
  "9999-12",
  "0001",
  "0001-Q1",
  "0000-01-01",
  "0000",
  "10000-01-01",
  "-0001-01-01",
  "+275760-09-13",
  "2024-02-30",
  "2023-02-29",
  "2025-13-01",
  "2025-00-10",
  "2025-Q0",
  "2025-Q5",
  "2025-H3",
  "2025-W01",
  "2025-07-01..2025-06-30",
  "2025-07-01..2025-07-01",
  "0001-01-01..9999-12-31",
  "2025-07-01..9999-12-31",
  "2025-07-01..",
  "..2025-07-01",
  "1970-01-01T00:00:00Z",
  "2025-07-01T25:00:00Z",
  "2025-07-01T10:00:00+99:00",
  "9999-12-31T23:59:59.999Z",
  "0001-01-01T00:00:00Z",
  "2025-07-01 10:00:00",
  "31.12.9999",
  "30/02/2024",
  "12/31/9999",
  "1/1/1",
] as const;

export const ODD_TEXT = [
  "",
  " ",
  "\t",
  "\n",
  "\r\n",
  "\u0000",
  "a\u0000b",
  "\uD800",
  "\uDFFF",
  "x\uD83D",
  "\uDE00x",
  "\uFEFF",
  "\u202E",
  "😀",
  "👩‍👩‍👧",
  "ß",
  "Zoë Müller",
  "Łódź",
  "ｆｕｌｌｗｉｄｔｈ",
  "\u00A0",
  '"',
  '""',
  "'",
  ",",
  ";",
  "=1+1",
  "@SUM(A1)",
  "../../etc/passwd",
  "C:\\Windows",
  "<script>alert(1)</script>",
] as const;

/** Text a hostile or careless client might send: every class the issue names, mixed. */
export function hostileText(options: { huge?: number } = {}): fc.Arbitrary<string> {
  const huge = options.huge ?? 100_000;
  const piece = fc.oneof(
    fc.constantFrom(...ODD_TEXT),
    fc.constantFrom(...SQL_ISH),
    fc.constantFrom(...EXTREME_NUMBERS),
    fc.constantFrom(...ODD_DATES),
    fc.string({ unit: "binary", maxLength: 12 }),
    fc.string({ unit: "grapheme", maxLength: 12 }),
    fc.string({ maxLength: 12 }),
  );
  return fc.oneof(
    { weight: 6, arbitrary: piece },
    { weight: 3, arbitrary: fc.array(piece, { minLength: 2, maxLength: 4 }).map((parts) => parts.join("")) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          fc.constantFrom("x", "é", "😀", "\u0000", "'", ",", "\n"),
          fc.integer({ min: Math.min(1_000, huge), max: huge }),
        )
        .map(([c, n]) => c.repeat(Math.max(1, Math.floor(n / c.length)))),
    },
  );
}

/** `text` without what no engine stores as text: NUL and UTF-16 surrogates without their pair. */
export function storable(text: string): string {
  return text
    .replaceAll("\u0000", "")
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "");
}

/**
 * Hostile text a field of `limit` characters should take: mostly storable (so cases reach
 * the engines), now and then with NUL or a lone surrogate, which must be refused by name.
 */
export function fieldText(limit: number): fc.Arbitrary<string> {
  const text = hostileText({ huge: limit });
  return fc
    .oneof({ weight: 4, arbitrary: text.map(storable) }, { weight: 1, arbitrary: text })
    .map((t) => t.slice(0, limit));
}

// --- what every answer must pass ---------------------------------------------------------

/** Text that betrays the server's insides: a stack frame or a file-system path. */
export function leaks(text: string, extraPaths: readonly string[] = []): string[] {
  const markers = ["    at ", "/tmp", "/work", "node_modules", tmpdir(), process.cwd(), ...extraPaths];
  return [...new Set(markers.filter((m) => m.length > 0 && text.includes(m)))];
}

/**
 * Fails when `text` (an answer, an error message) carries a stack frame or a path. What the
 * caller itself sent is taken out first: an echoed input is not a leak.
 */
export function expectNoLeak(text: string, sent: readonly string[], extraPaths: readonly string[] = []): void {
  let rest = text;
  // Only values that hold a marker themselves are taken out (removing a short one could split
  // a real leak); longest first, so a value that contains another is removed whole.
  const echoed = sent.filter((s) => leaks(s, extraPaths).length > 0).sort((a, b) => b.length - a.length);
  for (const value of echoed) {
    rest = rest.replaceAll(value, "").replaceAll(JSON.stringify(value).slice(1, -1), "");
  }
  expect(leaks(rest, extraPaths), `the answer shows the server's insides: ${text.slice(0, 2000)}`).toEqual([]);
}

/**
 * A refusal names what it refused: the error JSON's `field` is a non-empty string (a query
 * parameter, body path or header).
 */
export function expectFieldNamed(status: number, body: unknown, text: string): void {
  const error = (body as { error?: { status?: number; field?: unknown; message?: unknown } } | undefined)?.error;
  expect(error, `${status} without the error shape: ${text.slice(0, 500)}`).toBeDefined();
  expect(error?.status).toBe(status);
  expect(typeof error?.message === "string" && error.message.length > 0, text.slice(0, 500)).toBe(true);
  expect(typeof error?.field === "string" && error.field.length > 0, `no field named: ${text.slice(0, 500)}`).toBe(
    true,
  );
}

/** No 5xx: the body is shown, so a failure says what the server answered. */
export function expectNoServerError(status: number, text: string, what: string): void {
  expect(status < 500, `${what} answered ${status}: ${text.slice(0, 1000)}`).toBe(true);
}

// --- the database before and after --------------------------------------------------------

function stable(value: unknown): string {
  return JSON.stringify(value, (_key, v) => (typeof v === "bigint" ? v.toString() : v));
}

/**
 * A checksum of the workspace's canonical tables (and its import log): every row, in an order
 * of its own, hashed. Two equal checksums mean nothing was added, removed or changed.
 */
export async function workspaceChecksum(
  store: Store,
  workspace: string,
  extraTables: readonly string[] = [],
): Promise<string> {
  const hash = createHash("sha256");
  for (const table of [...TABLE_ORDER, ...extraTables]) {
    const rows = await store.query(sql`SELECT * FROM ${raw(table)} WHERE workspace_id = ${workspace}`);
    const lines = rows.map(stable).sort();
    hash.update(`${table}:${lines.length}\n${lines.join("\n")}\n`);
  }
  const [imports] = await store.query<{ n: number }>(
    sql`SELECT count(*) AS n FROM imports WHERE workspace_id = ${workspace}`,
  );
  hash.update(`imports:${Number(imports?.n ?? 0)}`);
  return hash.digest("hex");
}

/**
 * A workspace's checksum before each case of a property, for the check that a refused case
 * changed nothing. The checksum taken after a refused case, once it has matched the one before,
 * is the next case's "before" as well: nothing else writes to the workspace between two cases.
 * So a refused case costs one checksum, not two (one reads every canonical table, and most
 * cases are refused). Forgotten whenever a case may have changed something: it was accepted,
 * or its check failed.
 */
export class WorkspaceChecksums {
  private known: string | null = null;

  constructor(
    private readonly store: () => Store,
    private readonly workspace: string,
  ) {}

  /** The checksum now; call it right before the case's request. */
  async before(): Promise<string> {
    const sum = this.known ?? (await workspaceChecksum(this.store(), this.workspace));
    this.known = null;
    return sum;
  }

  /** Asserts the workspace is as it was `before` the case (a refusal). */
  async expectUnchanged(before: string, message: string): Promise<void> {
    const after = await workspaceChecksum(this.store(), this.workspace);
    expect(after, message).toBe(before);
    this.known = after;
  }
}

/**
 * What the cases of a property came to (answers by status and field), printed with
 * VERITY_FUZZ_STATS=1: to see that the generators reach past validation, when tuning them.
 */
export class FuzzStats {
  private readonly counts = new Map<string, number>();

  note(outcome: string): void {
    this.counts.set(outcome, (this.counts.get(outcome) ?? 0) + 1);
  }

  print(title: string): void {
    if (!process.env.VERITY_FUZZ_STATS) return;
    const lines = [...this.counts].sort((a, b) => b[1] - a[1]).map(([k, n]) => `  ${String(n).padStart(5)} ${k}`);
    console.log(`${title}\n${lines.join("\n")}`);
  }
}

/** "400 body.leads[].created_at": an answer's outcome for FuzzStats. */
export function outcomeOf(status: number, body: unknown): string {
  const field = (body as { error?: { field?: string } } | undefined)?.error?.field;
  return `${status}${field ? ` ${field.replace(/\[\d+\]/g, "[]")}` : ""}`;
}
