/**
 * A workbook is a zip: before the reader (which holds each sheet's XML in memory) sees it, it
 * is unpacked to a scratch folder under limits, so a crafted .xlsx that unpacks to far more
 * than an export ever holds, or lies about its size, is refused with the file named.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { writeZip, zeros } from "../../../../test/support/zip-writer.js";
import { ZIP_LIMITS } from "../../crm/export-zip.js";
import { ImportError } from "../../import-error.js";
import { readWorkbook } from "./workbook.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "verity-workbook-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const small = { ...ZIP_LIMITS, maxEntryBytes: 4 * 1024 ** 2, maxTotalBytes: 8 * 1024 ** 2 };

test("a workbook that unpacks past the limits is refused before it is read", async () => {
  const bomb = join(dir, "content.xlsx");
  await writeZip(bomb, [{ name: "xl/worksheets/sheet1.xml", chunks: zeros(6) }]);
  const error = await readWorkbook(bomb, small).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ImportError);
  expect((error as ImportError).file).toBe(bomb);
  expect((error as ImportError).message).toMatch(/MiB/);
});

test("one that states a small size and unpacks to more is refused too", async () => {
  const liar = join(dir, "liar.xlsx");
  await writeZip(liar, [{ name: "xl/worksheets/sheet1.xml", chunks: zeros(6), statedSize: 1024 }]);
  const error = await readWorkbook(liar, small).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ImportError);
  expect((error as ImportError).file).toBe(liar);
});

test("a zip within the limits goes on to the reader, whose own message names what is wrong", async () => {
  const notExcel = join(dir, "plain.xlsx");
  await writeZip(notExcel, [{ name: "hello.txt", chunks: [new TextEncoder().encode("hello")] }]);
  const error = await readWorkbook(notExcel, small).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ImportError);
  expect((error as ImportError).message).toMatch(/not a readable \.xlsx workbook/);
});
