/**
 * jsonArrayRecords reads a JSON array one element at a time: the same values JSON.parse gives,
 * whatever the chunk boundaries and nesting (a property test over generated arrays, written
 * in chunks of 1 MiB and read back), each with the line it starts on; broken files named by
 * file and line.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ImportError } from "./import-error.js";
import { type JsonRecord, jsonArrayRecords } from "./json-records.js";

let dir: string;
let n = 0;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "verity-json-records-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function records(content: string | Buffer): Promise<JsonRecord[]> {
  const file = join(dir, `f${n++}.json`);
  await writeFile(file, content);
  const out: JsonRecord[] = [];
  for await (const record of jsonArrayRecords(file, "visits")) out.push(record);
  return out;
}

async function failure(content: string | Buffer): Promise<ImportError> {
  const error = await records(content).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ImportError);
  return error as ImportError;
}

describe("jsonArrayRecords", () => {
  test("gives each element with its index and starting line", async () => {
    const text = '[\n  {"a": 1, "s": "}]\\"{["},\n  {"b": [1, {"c": null}]},\n  3, "x", null\n]\n';
    expect(await records(text)).toEqual([
      { kind: "element", index: 0, line: 2, value: { a: 1, s: '}]"{[' } },
      { kind: "element", index: 1, line: 3, value: { b: [1, { c: null }] } },
      { kind: "element", index: 2, line: 4, value: 3 },
      { kind: "element", index: 3, line: 4, value: "x" },
      { kind: "element", index: 4, line: 4, value: null },
    ]);
    expect(await records("[]")).toEqual([]);
  });

  test("reads UTF-8 with a byte-order mark and UTF-16 as the same values", async () => {
    const text = '[{"name":"Åsa Öberg – 東京 🚀"}]';
    const expected = [{ kind: "element", index: 0, line: 1, value: { name: "Åsa Öberg – 東京 🚀" } }];
    expect(await records(`\uFEFF${text}`)).toEqual(expected);
    expect(await records(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]))).toEqual(expected);
  });

  test("a top-level object is given whole (a tool's error answer)", async () => {
    expect(await records('{"result":"error","message":"no access"}')).toEqual([
      { kind: "object", line: 1, value: { result: "error", message: "no access" } },
    ]);
  });

  test("equals JSON.parse for any array", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.jsonValue({ maxDepth: 4 }), { maxLength: 12 }),
        fc.boolean(),
        async (values, pretty) => {
          const text = pretty ? JSON.stringify(values, null, 2) : JSON.stringify(values);
          const read = await records(text);
          expect(read.map((r) => r.value)).toEqual(JSON.parse(text));
          expect(read.map((r) => (r.kind === "element" ? r.index : -1))).toEqual(values.map((_, i) => i));
        },
      ),
      { numRuns: 60 },
    );
  });

  test("elements, strings and multi-byte characters that straddle the reader's 1 MiB chunks", async () => {
    // 3 MiB of text: an element spans four chunks, a string holds brackets and quotes, and
    // characters of two to four bytes fall on every boundary somewhere.
    const values = [
      { pad: 'ä€🚀{}[]",'.repeat(190_000) },
      { n: 1 },
      { nested: [{ deep: "x".repeat(1_048_570) }, "]"] },
      "tail",
    ];
    const read = await records(JSON.stringify(values, null, 1));
    expect(read.map((r) => r.value)).toEqual(values);
    expect(read.map((r) => r.line)).toEqual([2, 5, 8, 16]);
  });

  test("broken files are named by line, with what is wrong", async () => {
    expect((await failure('[\n{"a":1},\n{"b":2,}\n]')).message).toMatch(
      /f\d+\.json, line 3, column \[1\]: not valid JSON/,
    );
    expect((await failure('[\n{"a":1},\n{"b":2')).message).toMatch(
      /line 3: the JSON ends before the array of visits does \(a truncated download\?\)/,
    );
    expect((await failure("")).message).toMatch(/the file is empty/);
    expect((await failure("visitId,visitorId\n1,2\n")).message).toMatch(/line 1: not a JSON array of visits/);
    expect((await failure('[{"a":1}]\n[{"b":2}]')).message).toMatch(/line 2: text after the array of visits/);
    expect((await failure(Buffer.from([0x5b, 0x22, 0xff, 0xfe, 0x22, 0x5d]))).message).toMatch(/not UTF-8/);
  });
});
