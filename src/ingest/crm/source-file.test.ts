import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import iconv from "iconv-lite";
import { describe, expect, test } from "vitest";
import type { ImportError } from "../import-error.js";
import { readSourceFile } from "./source-file.js";

async function fileWith(bytes: Buffer): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "verity-source-"));
  const file = join(dir, "export.csv");
  await writeFile(file, bytes);
  return file;
}

const TEXT = 'Name;Owner;Amount\r\n"Müller, Åsa – pilot";Zoë;1.234,50\r\nPlain;Bo;7\r\n';

describe("readSourceFile", () => {
  test.each([
    ["UTF-8", Buffer.from(TEXT, "utf8"), "utf-8"],
    ["UTF-8 with BOM", Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(TEXT, "utf8")]), "utf-8"],
    ["Windows-1252", iconv.encode(TEXT, "win1252"), "windows-1252"],
    [
      "UTF-16LE with BOM (Excel)",
      Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode(TEXT, "utf-16le")]),
      "utf-16le",
    ],
  ])("reads %s with a semicolon delimiter", async (_name, bytes, encoding) => {
    const source = await readSourceFile(await fileWith(bytes), ["Name"]);
    expect(source.encoding).toBe(encoding);
    expect(source.delimiter).toBe(";");
    expect(source.rows.map((r) => [r.line, r.get("Name"), r.get("owner"), r.get("Amount")])).toEqual([
      [2, "Müller, Åsa – pilot", "Zoë", "1.234,50"],
      [3, "Plain", "Bo", "7"],
    ]);
  });

  test("counts lines inside quoted cells and reads tab-delimited files, kept or streamed", async () => {
    const source = await readSourceFile(await fileWith(Buffer.from('a\tb\n"x\ny"\t1\nz\t2\n', "utf8")));
    expect(source.delimiter).toBe("\t");
    const streamed: [number, string][] = [];
    source.forEachRow((r) => streamed.push([r.line, r.get("a")]));
    const expected = [
      [2, "x\ny"],
      [4, "z"],
    ];
    expect(streamed).toEqual(expected);
    expect(source.rows.map((r) => [r.line, r.get("a")])).toEqual(expected);
  });

  const failure = async (bytes: Buffer, required: string[] = []) => {
    try {
      // Header problems throw on reading; row problems when the rows are read.
      const source = await readSourceFile(await fileWith(bytes), required);
      source.forEachRow(() => {});
    } catch (error) {
      return error as ImportError;
    }
    throw new Error("expected an ImportError");
  };

  test("names the problem of a broken file: line, column and reason", async () => {
    const truncated = await failure(Buffer.from('Name,Stage\nA,Won\n"B cut off,', "utf8"));
    expect([truncated.line, truncated.column]).toEqual([3, "Name"]);
    expect(truncated.reason).toContain("ends inside a quoted field");

    const utf16 = await failure(iconv.encode("Name,Stage\nA,Won\n", "utf-16le"));
    expect(utf16.reason).toContain("UTF-16 without a byte order mark");

    const bomThen1252 = await failure(
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), iconv.encode("Name\nok\nK\u00f6ln\n", "win1252")]),
    );
    expect(bomThen1252.line).toBe(3);
    expect(bomThen1252.reason).toContain("not UTF-8 after it");

    const short = await failure(Buffer.from("Name,Stage\nA\n", "utf8"));
    expect([short.line, short.reason]).toEqual([2, expect.stringContaining("1 fields where the header has 2")]);

    const missing = await failure(Buffer.from("Name\nA\n", "utf8"), ["Name", "Stage"]);
    expect([missing.line, missing.column]).toEqual([1, "Stage"]);
  });

  test("refuses a value read that holds a NUL byte, naming its line and column; unread cells do not matter", async () => {
    const source = await readSourceFile(
      await fileWith(Buffer.from("Name,Note\nA,ok\nB,x\u0000y\nC\u0000,ok\n", "utf8")),
    );
    const names: string[] = [];
    const error = (() => {
      try {
        source.forEachRow((r) => names.push(r.get("Name")));
      } catch (e) {
        return e as ImportError;
      }
      throw new Error("expected an ImportError");
    })();
    expect(names).toEqual(["A", "B"]);
    expect([error.line, error.column]).toEqual([4, "Name"]);
    expect(error.reason).toMatch(/holds a NUL byte/);
  });
});
