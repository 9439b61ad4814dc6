import { appendFile, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { IngestLog } from "./log.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "verity-log-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("the durable ingest log", () => {
  it("numbers records in order, keeps them across a reopen, and keeps its id", async () => {
    const { log, records } = await IngestLog.open(dir);
    expect(records).toEqual([]);
    const seqs = await Promise.all(Array.from({ length: 50 }, (_, i) => log.append({ n: i })));
    expect(seqs).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    await log.close();
    const again = await IngestLog.open(dir);
    expect(again.log.id).toBe(log.id);
    expect(again.records.map((r) => [r.q, r.n])).toEqual(Array.from({ length: 50 }, (_, i) => [i + 1, i]));
    expect(await again.log.append({ n: 50 })).toBe(51);
    await again.log.close();
  });

  it("hands records on in sequence order once they are on disk, before the append resolves", async () => {
    const { log } = await IngestLog.open(dir);
    const seen: number[] = [];
    log.onDurable = (records) => {
      for (const r of records) seen.push(r.q);
    };
    const acknowledged: number[] = [];
    await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        log.append({ n: i }).then((q) => {
          // Every acknowledged record was handed on already.
          expect(seen).toContain(q);
          acknowledged.push(q);
        }),
      ),
    );
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(acknowledged.length).toBe(200);
    const [segment] = (await readdir(dir)).filter((n) => n.endsWith(".log"));
    const lines = (await readFile(join(dir, segment ?? ""), "utf8")).trim().split("\n");
    expect(lines.length).toBe(200);
    await log.close();
  });

  it("cuts off a half-written last line (a crash mid-write) and goes on numbering after the last whole record", async () => {
    const { log } = await IngestLog.open(dir);
    await log.append({ n: 1 });
    await log.append({ n: 2 });
    await log.close();
    const [name] = (await readdir(dir)).filter((n) => n.endsWith(".log"));
    const file = join(dir, name ?? "");
    const whole = (await stat(file)).size;
    await appendFile(file, '{"q":3,"n":');
    const reopened = await IngestLog.open(dir);
    expect(reopened.records.map((r) => r.q)).toEqual([1, 2]);
    expect((await stat(file)).size).toBe(whole);
    expect(await reopened.log.append({ n: 3 })).toBe(3);
    await reopened.log.close();
    expect((await IngestLog.open(dir)).records.map((r) => r.n)).toEqual([1, 2, 3]);
  });

  it("never gives a number twice, even when the only segment left is empty", async () => {
    // A crash right after a new segment was created, its predecessor already applied and deleted.
    await writeFile(join(dir, "log-id"), "log_test\n");
    await writeFile(join(dir, `${String(501).padStart(20, "0")}.log`), "");
    const { log, records } = await IngestLog.open(dir);
    expect(records).toEqual([]);
    expect(await log.append({ n: 1 })).toBe(501);
    log.advanceTo(900);
    expect(await log.append({ n: 2 })).toBe(901);
    await log.close();
  });

  it("refuses a log damaged before its last segment instead of dropping records", async () => {
    await writeFile(join(dir, "log-id"), "log_test\n");
    await writeFile(join(dir, `${String(1).padStart(20, "0")}.log`), '{"q":1}\n{"q":2,\n');
    await writeFile(join(dir, `${String(3).padStart(20, "0")}.log`), '{"q":3}\n');
    await expect(IngestLog.open(dir)).rejects.toThrow(/damaged before its end/);
  });

  it("deletes segments only when every record in them is applied", async () => {
    const { log } = await IngestLog.open(dir);
    await log.append({ n: 1 });
    await log.close();
    // Force a second segment by naming one as a rotation would.
    await writeFile(join(dir, `${String(2).padStart(20, "0")}.log`), '{"q":2}\n{"q":3}\n');
    const reopened = await IngestLog.open(dir);
    expect(reopened.records.map((r) => r.q)).toEqual([1, 2, 3]);
    await reopened.log.release(0);
    expect((await readdir(dir)).filter((n) => n.endsWith(".log")).length).toBe(2);
    await reopened.log.release(1);
    expect((await readdir(dir)).filter((n) => n.endsWith(".log"))).toEqual([`${String(2).padStart(20, "0")}.log`]);
    await reopened.log.close();
  });

  it("reads back every record while applied segments are deleted under it (a record was skipped)", async () => {
    // Five segments of two records each. The writer deletes applied segments (release) without
    // waiting, so a deletion can land while it reads the log back: the read went on by index
    // into the shifted list and skipped the segment after the one it was reading.
    await writeFile(join(dir, "log-id"), "log_test\n");
    for (const first of [1, 3, 5, 7, 9]) {
      await writeFile(join(dir, `${String(first).padStart(20, "0")}.log`), `{"q":${first}}\n{"q":${first + 1}}\n`);
    }
    const { log } = await IngestLog.open(dir);
    const reading = log.read(4, 10, 1000);
    const releasing = log.release(2);
    expect((await reading).map((r) => r.q)).toEqual([5, 6, 7, 8, 9, 10]);
    await releasing;
    await log.close();
  });
});
