import { appendFile, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { IngestLog, type LogRecord } from "./log.js";

/** Every record in the log after `after`, read back as the writer reads them at start. */
async function recordsOf(log: IngestLog, after = 0): Promise<LogRecord[]> {
  const records: LogRecord[] = [];
  await log.each(after, ({ record }) => records.push(record));
  return records;
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "verity-log-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("the durable ingest log", () => {
  it("numbers records in order, keeps them across a reopen, and keeps its id", async () => {
    const { log } = await IngestLog.open(dir);
    expect(await recordsOf(log)).toEqual([]);
    const seqs = await Promise.all(Array.from({ length: 50 }, (_, i) => log.append({ n: i })));
    expect(seqs).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    await log.close();
    const again = await IngestLog.open(dir);
    expect(again.log.id).toBe(log.id);
    expect((await recordsOf(again.log)).map((r) => [r.q, r.n])).toEqual(
      Array.from({ length: 50 }, (_, i) => [i + 1, i]),
    );
    expect(await again.log.append({ n: 50 })).toBe(51);
    await again.log.close();
  });

  it("hands records on in sequence order once they are on disk, before the append resolves", async () => {
    const { log } = await IngestLog.open(dir);
    const seen: number[] = [];
    log.onDurable = (records) => {
      for (const { record } of records) seen.push(record.q);
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
    expect((await recordsOf(reopened.log)).map((r) => r.q)).toEqual([1, 2]);
    expect((await stat(file)).size).toBe(whole);
    expect(await reopened.log.append({ n: 3 })).toBe(3);
    await reopened.log.close();
    const last = await IngestLog.open(dir);
    expect((await recordsOf(last.log)).map((r) => r.n)).toEqual([1, 2, 3]);
    await last.log.close();
  });

  it("never gives a number twice, even when the only segment left is empty", async () => {
    // A crash right after a new segment was created, its predecessor already applied and deleted.
    await writeFile(join(dir, "log-id"), "log_test\n");
    await writeFile(join(dir, `${String(501).padStart(20, "0")}.log`), "");
    const { log } = await IngestLog.open(dir);
    expect(await recordsOf(log)).toEqual([]);
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
    expect((await recordsOf(reopened.log)).map((r) => r.q)).toEqual([1, 2, 3]);
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
    const reading = log.read(4, 10, { events: 1000, bytes: 1 << 20 });
    const releasing = log.release(2);
    expect((await reading).map((r) => r.record.q)).toEqual([5, 6, 7, 8, 9, 10]);
    await releasing;
    await log.close();
  });
});

describe("reading the log back", () => {
  it("gives as many records as fit the limit in events and bytes, one at least, and goes on from there", async () => {
    const { log } = await IngestLog.open(dir);
    // Records of 1, 2, 3, 1, 2, 3 events.
    for (let i = 0; i < 6; i++) await log.append({ e: Array.from({ length: 1 + (i % 3) }, () => "x".repeat(100)) });
    const read = (after: number, events: number, bytes: number) =>
      log.read(after, 6, { events, bytes }).then((rs) => rs.map((r) => r.record.q));
    // Stops before a record that would pass the events: 1 + 2 fit 4, 3 more would not.
    expect(await read(0, 4, 1 << 20)).toEqual([1, 2]);
    expect(await read(2, 4, 1 << 20)).toEqual([3, 4]);
    // A record larger than the whole limit still comes, alone.
    expect(await read(2, 1, 1 << 20)).toEqual([3]);
    // Bytes: each line is over 100 bytes an event, so 350 bytes hold records 1 and 2 only.
    const logged = await log.read(0, 6, { events: 100, bytes: 350 });
    expect(logged.map((r) => r.record.q)).toEqual([1, 2]);
    for (const r of logged) expect(r.bytes).toBe(Buffer.byteLength(`${JSON.stringify(r.record)}\n`));
    await log.close();
  });
});
