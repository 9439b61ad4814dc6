/**
 * The GA4 BigQuery export importer: the JSON-lines fixture (four daily files, two visitors,
 * a login, a session past midnight, events out of order, one without ga_session_id, one
 * without user_pseudo_id) converts to the hand-worked visits and identity of expected.json;
 * the same events as Parquet and as gzipped JSON give the same rows; the identity hash made
 * in SQL equals hashIdentity's; the import on both engines stores those rows and a second
 * import changes nothing; broken files stop with file, line and reason (or are all listed in
 * a dry run) and leave the database as it was; detection claims the export's files.
 */
import { copyFile, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { gzip } from "node:zlib";
import { DuckDBInstance } from "@duckdb/node-api";
import Papa from "papaparse";
import { beforeAll, describe, expect, test } from "vitest";
import { engines } from "../../../../test/support/databases.js";
import {
  byKey,
  type Comparable,
  comparable,
  converter,
  expectRefusedUnchanged,
  fixtureSuite,
  rowCounts,
  storeForTests,
} from "../../../../test/support/importer-tests.js";
import { ident, sql } from "../../../store/sql.js";
import type { Store } from "../../../store/store.js";
import { detectFormat } from "../../crm/detect.js";
import { hashIdentity } from "../../identity.js";
import { ImportError } from "../../import-error.js";
import { type PreparedImport, runImport } from "../../importer.js";
import { EngineFailure, engineFailure } from "./engine-failure.js";
import { ga4Importer, prepareGa4 } from "./index.js";
import { MACROS } from "./sessions-sql.js";

const FIXTURES = resolve(import.meta.dirname, "../../../../test/fixtures/marketing/ga4");
const EXPORT = join(FIXTURES, "export");
const WORKSPACE = "ga4-test";

const fixture = fixtureSuite(join(FIXTURES, "expected.json"), "ga4");
const convert = converter(ga4Importer);

type Table = "visits" | "visitor_identities";

function expectedRows(table: Table): Comparable[] {
  const rows = fixture.expected[table] as Record<string, unknown>[];
  const withHashes = rows.map(({ email_hash_of, ...row }) =>
    email_hash_of === undefined ? row : { ...row, email_hash: hashIdentity(String(email_hash_of)) },
  );
  return byKey(table, comparable(table, withHashes));
}

async function convertedRows(prepared: PreparedImport, table: Table): Promise<Comparable[]> {
  const file = prepared.files.find((f) => f.table === table);
  if (!file) return [];
  const parsed = Papa.parse<Record<string, string>>((await readFile(file.file, "utf8")).trim(), { header: true });
  expect(parsed.errors).toEqual([]);
  return byKey(table, comparable(table, parsed.data));
}

async function convertBoth(paths: readonly string[], eventsPerSplit?: number) {
  const prepared = await prepareGa4(paths, {}, eventsPerSplit === undefined ? {} : { eventsPerSplit });
  try {
    return {
      prepared,
      visits: await convertedRows(prepared, "visits"),
      identities: await convertedRows(prepared, "visitor_identities"),
    };
  } finally {
    await prepared.cleanup();
  }
}

async function storedRows(store: Store, table: Table): Promise<Comparable[]> {
  const rows = await store.query(sql`SELECT * FROM ${ident(table)} WHERE workspace_id = ${WORKSPACE}`);
  return byKey(table, comparable(table, rows));
}

const PARQUET_COLUMNS = `{
  event_date: 'VARCHAR', event_timestamp: 'BIGINT', event_name: 'VARCHAR',
  event_params: 'STRUCT(key VARCHAR, value STRUCT(string_value VARCHAR, int_value BIGINT, float_value DOUBLE, double_value DOUBLE))[]',
  user_id: 'VARCHAR', user_pseudo_id: 'VARCHAR',
  device: 'STRUCT(category VARCHAR, operating_system VARCHAR, web_info STRUCT(browser VARCHAR, browser_version VARCHAR, hostname VARCHAR))',
  geo: 'STRUCT(country VARCHAR, city VARCHAR)',
  traffic_source: 'STRUCT(name VARCHAR, medium VARCHAR, source VARCHAR)',
  collected_traffic_source: 'STRUCT(manual_campaign_id VARCHAR, manual_campaign_name VARCHAR, manual_source VARCHAR, manual_medium VARCHAR, manual_term VARCHAR, manual_content VARCHAR, gclid VARCHAR, dclid VARCHAR, srsltid VARCHAR)',
  stream_id: 'VARCHAR', platform: 'VARCHAR'
}`;

/** The fixture's files as they would come from `bq extract --destination_format PARQUET` and with GZIP. */
let parquetDir = "";
let gzipDir = "";
beforeAll(async () => {
  parquetDir = join(fixture.temp, "parquet");
  gzipDir = join(fixture.temp, "gzip");
  await mkdir(parquetDir);
  await mkdir(gzipDir);
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    for (const name of await readdir(EXPORT)) {
      const source = join(EXPORT, name);
      // BigQuery's Parquet schema: INT64 timestamps and int_value (its JSON writes strings).
      await connection.run(
        `COPY (SELECT * FROM read_json($1, format = 'newline_delimited', columns = ${PARQUET_COLUMNS}))
         TO '${join(parquetDir, name.replace(/\.json$/, ".parquet"))}' (FORMAT parquet)`,
        [source],
      );
      await writeFile(join(gzipDir, `${name}.gz`), await promisify(gzip)(await readFile(source)));
    }
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
});

describe("GA4 conversion", () => {
  test("the JSON-lines export gives the hand-worked visits, identity and skipped counts", async () => {
    const { prepared, visits, identities } = await convertBoth([EXPORT]);
    expect(visits).toEqual(expectedRows("visits"));
    expect(identities).toEqual(expectedRows("visitor_identities"));
    expect(prepared.skipped).toEqual(fixture.expected.skipped);
    expect(prepared.sourceSystem).toBe("ga4");
    expect(prepared.notes.join("\n")).toMatch(/1 first visits without a collected campaign took/);
  });

  test("the same events as Parquet, and as gzipped JSON lines, give the same rows", async () => {
    const parquet = await convertBoth([parquetDir]);
    expect(parquet.visits).toEqual(expectedRows("visits"));
    expect(parquet.identities).toEqual(expectedRows("visitor_identities"));
    expect(parquet.prepared.skipped).toEqual(fixture.expected.skipped);
    const gzipped = await convertBoth([gzipDir]);
    expect(gzipped.visits).toEqual(expectedRows("visits"));
    expect(gzipped.identities).toEqual(expectedRows("visitor_identities"));
  });

  test("grouped in many splits of the visitors (and splits split again), the rows are the same", async () => {
    // One event a split: the estimate (bytes / 1 KB) asks for about ten splits, and any split
    // holding more than two events is split again by a salted hash, three levels deep. The
    // session past midnight (two daily files) must stay one visit.
    const { prepared, visits, identities } = await convertBoth([EXPORT], 1);
    expect(visits).toEqual(expectedRows("visits"));
    expect(identities).toEqual(expectedRows("visitor_identities"));
    expect(prepared.skipped).toEqual(fixture.expected.skipped);
  });

  test("the identity hash made in SQL is hashIdentity's (trimmed as JavaScript trims, lower-cased)", async () => {
    const values = [
      "Customer-42 ",
      " Bob@Example.COM\t",
      "\u00a0Åsa.Öberg@Exempel.SE\u3000",
      "\ufeffuser_123\r\n",
      "ÉLODIE@exemple.fr",
    ];
    const instance = await DuckDBInstance.create(":memory:");
    const connection = await instance.connect();
    try {
      for (const macro of MACROS) await connection.run(macro);
      for (const value of values) {
        const reader = await connection.runAndReadAll("SELECT sha256(lower(ga4_trim($1))) AS h", [value]);
        expect(reader.getRowObjectsJS()[0]?.h, JSON.stringify(value)).toBe(hashIdentity(value));
      }
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });
});

describe("GA4 problems", () => {
  /** A copy of the export with one file's line replaced. */
  async function brokenCopy(name: string, edits: { file: string; line: number; text: string }[]): Promise<string> {
    const dir = join(fixture.temp, name);
    await mkdir(dir);
    for (const file of await readdir(EXPORT)) await copyFile(join(EXPORT, file), join(dir, file));
    for (const edit of edits) {
      const lines = (await readFile(join(dir, edit.file), "utf8")).split("\n");
      lines[edit.line - 1] = edit.text;
      await writeFile(join(dir, edit.file), lines.join("\n"));
    }
    return dir;
  }

  test("a dry run lists every broken line with its file, line, column and reason", async () => {
    const dir = await brokenCopy("dry-run", [
      { file: "events_20240310.json", line: 3, text: '{"event_name":"page_view","event_timestamp": oops}' },
      { file: "events_20240312.json", line: 2, text: '{"event_timestamp":"1710237600000000","user_pseudo_id":"x"}' },
      { file: "events_20240309.json", line: 1, text: '{"event_name":"page_view","event_timestamp":"1710028500000"}' },
    ]);
    const prepared = await ga4Importer.prepare([dir], { collectProblems: true });
    await prepared.cleanup();
    expect(prepared.problems?.map((p) => [p.file, p.line, p.column])).toEqual([
      [join(dir, "events_20240310.json"), 3, null],
      [join(dir, "events_20240309.json"), 1, "event_timestamp"],
      [join(dir, "events_20240312.json"), 2, "event_name"],
    ]);
    expect(prepared.problems?.[0]?.reason).toMatch(/^malformed JSON/);
    expect(prepared.problems?.[1]?.reason).toMatch(/"1710028500000" is not a time in microseconds since 1970/);
  });

  test("a line DuckDB reports one line late is named by its own line", async () => {
    const dir = await brokenCopy("truncated", [{ file: "events_20240311.json", line: 2, text: '{"event_name":' }]);
    const { rows } = await convert([dir]).then(
      () => ({ rows: null }),
      (error: unknown) => ({ rows: error }),
    );
    expect(rows).toMatchObject({ file: join(dir, "events_20240311.json"), line: 2, column: null });
  });
});

describe("GA4 engine failures", () => {
  const scratch = { memory: "1GB", directory: "/tmp/verity-ga4-x" };

  test("out of memory, disk full and internal errors are said as such; a file's error is left to the file", () => {
    const oom = engineFailure(
      new Error(
        "Out of Memory Error: failed to pin block of size 256.0 KiB (953.4 MiB/953.6 MiB used)\n\nPossible solutions: ...",
      ),
      scratch,
    );
    expect(oom).toBeInstanceOf(EngineFailure);
    expect(oom?.message).toBe(
      "the GA4 conversion ran out of its 1GB of memory (DuckDB: Out of Memory Error: failed to pin block of size 256.0 KiB (953.4 MiB/953.6 MiB used)); set VERITY_DUCKDB_MEMORY to more (for example 4GB) and import again",
    );
    const disk = engineFailure(
      new Error(
        'IO Error: Could not write file "/tmp/verity-ga4-x/spill/duckdb_temp_storage_DEFAULT-0.tmp": No space left on device',
      ),
      scratch,
    );
    expect(disk?.message).toMatch(
      /^the GA4 conversion ran out of disk space for its temporary files in \/tmp\/verity-ga4-x /,
    );
    expect(
      engineFailure(new Error("INTERNAL Error: Attempted to access index 3 within vector of size 3"), scratch)?.message,
    ).toMatch(/^DuckDB failed inside the GA4 conversion \(an internal error, not your files\)/);
    // The user's file: named by the importer with its line, not an engine failure.
    expect(
      engineFailure(
        new Error('Invalid Input Error: Malformed JSON in file "a.json", at byte 3 in line 4: unexpected character.'),
        scratch,
      ),
    ).toBeNull();
    expect(engineFailure(new Error('IO Error: No files found that match the pattern "x.json"'), scratch)).toBeNull();
  });

  test("a conversion out of VERITY_DUCKDB_MEMORY fails as Verity's error, naming no file", async () => {
    const before = process.env.VERITY_DUCKDB_MEMORY;
    process.env.VERITY_DUCKDB_MEMORY = "1MB";
    try {
      const failure = await ga4Importer.prepare([EXPORT], {}).then(
        () => null,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(EngineFailure);
      expect(failure).not.toBeInstanceOf(ImportError);
      expect((failure as Error).message).toMatch(
        /^the GA4 conversion ran out of its 1MB of memory \(DuckDB: Out of Memory Error: .*\); set VERITY_DUCKDB_MEMORY to more/,
      );
      expect((failure as Error).message).not.toContain("events_2024");
    } finally {
      if (before === undefined) delete process.env.VERITY_DUCKDB_MEMORY;
      else process.env.VERITY_DUCKDB_MEMORY = before;
    }
  });
});

describe("GA4 detection", () => {
  test("the export's JSON lines and its Parquet files are detected as ga4", async () => {
    expect((await detectFormat([EXPORT])).format).toBe("ga4");
    expect((await detectFormat([join(parquetDir, "events_20240309.parquet")])).format).toBe("ga4");
    expect(
      ga4Importer.recognise?.({
        name: "export.jsonl",
        path: "export.jsonl",
        header: null,
        json: { type: "page", anonymousId: "a", timestamp: "2024-03-10T08:00:00Z" },
        entries: null,
      }),
    ).toBeNull();
  });
});

for (const engine of engines()) {
  describe(`GA4 import on ${engine}`, () => {
    const ctx = storeForTests(engine);

    test("stores the visits and the identity; a second import changes nothing; a broken file changes nothing", async () => {
      const first = await runImport(ctx.store, ga4Importer, [EXPORT], { workspace: WORKSPACE });
      expect(first.tables.visits?.rows).toBe(4);
      expect(await storedRows(ctx.store, "visits")).toEqual(expectedRows("visits"));
      expect(await storedRows(ctx.store, "visitor_identities")).toEqual(expectedRows("visitor_identities"));
      // visit_number is derived at ingest: the newsletter visit is visitor 1234567's first.
      const [numbered] = await ctx.store.query<{ visit_number: number }>(
        sql`SELECT visit_number FROM visits WHERE workspace_id = ${WORKSPACE} AND visit_id = ${"ga4:1234567.1700000000:1710237600"}`,
      );
      expect(Number(numbered?.visit_number)).toBe(2);

      const counts = await rowCounts(ctx.store, ["visits", "visitor_identities"]);
      await runImport(ctx.store, ga4Importer, [EXPORT], { workspace: WORKSPACE });
      expect(await rowCounts(ctx.store, ["visits", "visitor_identities"])).toEqual(counts);
      expect(await storedRows(ctx.store, "visits")).toEqual(expectedRows("visits"));

      const bad = join(fixture.temp, `bad-${engine}`);
      await mkdir(bad);
      await writeFile(
        join(bad, "events_20240401.json"),
        `${(await readFile(join(EXPORT, "events_20240312.json"), "utf8")).trim()}\n{"event_name": "page_view", broken\n`,
      );
      await expectRefusedUnchanged(
        ctx.store,
        () => runImport(ctx.store, ga4Importer, [bad], { workspace: WORKSPACE }),
        {
          file: join(bad, "events_20240401.json"),
          line: 3,
          column: null,
          reason: /^malformed JSON/,
        },
      );
    });
  });
}
