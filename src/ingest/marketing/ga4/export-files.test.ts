/**
 * A GA4 export file re-saved by an editor (a byte-order mark, or UTF-16) is named for what it
 * is, at line 1, instead of DuckDB's complaint about its first byte (found by fuzzing).
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { ImportError } from "../../import-error.js";
import { exportFiles } from "./export-files.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "verity-ga4-files-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const line = '{"event_name":"page_view","event_timestamp":"1709251200000000","user_pseudo_id":"a"}\n';

test("plain UTF-8 passes; a byte-order mark and UTF-16 are refused by name at line 1", async () => {
  const plain = join(dir, "events_20240301.json");
  await writeFile(plain, line);
  expect(await exportFiles([plain])).toEqual({ json: [plain], parquet: [] });

  const marked = join(dir, "events_20240302.json");
  await writeFile(marked, `\uFEFF${line}`);
  const bom = await exportFiles([marked]).catch((e: unknown) => e);
  expect(bom).toBeInstanceOf(ImportError);
  expect(bom).toMatchObject({ file: marked, line: 1 });
  expect((bom as ImportError).reason).toMatch(/byte-order mark/);

  const wide = join(dir, "events_20240303.json");
  await writeFile(wide, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(line, "utf16le")]));
  const utf16 = await exportFiles([dir]).catch((e: unknown) => e);
  expect(utf16).toBeInstanceOf(ImportError);
  // The directory's files in name order: the marked one is met first.
  expect((utf16 as ImportError).file).toBe(marked);
  const alone = await exportFiles([wide]).catch((e: unknown) => e);
  expect((alone as ImportError).reason).toMatch(/UTF-16/);
});
