/**
 * The durable ingest log. A tracking request is acknowledged only after its record is
 * written to this log and fsync'd; the writer then moves records into the engine and
 * records, in the same transaction, the sequence number it has applied up to. After a crash
 * the records past that number are applied again: nothing acknowledged is lost, nothing is
 * applied twice.
 *
 * Layout: a directory of segment files named by their first sequence number, one record per
 * line (`{"q":<seq>,...}`), and `log-id` (which log this is, so several servers can share one
 * PostgreSQL database with logs of their own). Appends are group-committed: while one write
 * and fdatasync run, new records wait and go together in the next one, so a thousand
 * concurrent requests cost a few fsyncs, not a thousand.
 *
 * A crash can leave the last line half-written (its fsync never finished, so it was never
 * acknowledged): opening the log cuts it off.
 */
import { closeSync, fsyncSync, openSync } from "node:fs";
import {
  chmod,
  type FileHandle,
  mkdir,
  open,
  readdir,
  readFile,
  rm,
  stat,
  truncate,
  writeFile,
} from "node:fs/promises";
import { join } from "node:path";
import { randomId } from "../../accounts/secrets.js";

export type LogRecord = { q: number } & Record<string, unknown>;
/** A record with the bytes its line takes in the log (the writer bounds its memory by them). */
export type LoggedRecord = { record: LogRecord; bytes: number };

/** A new segment is started past this size; applied segments are then deleted whole. */
const SEGMENT_BYTES = 64 * 1024 * 1024;
/**
 * The log holds visitors' pages and hashed emails: only the server's user reads it (issue 13
 * found it readable by every local user). Logs made before this are tightened on open.
 */
const DIR_MODE = 0o700;
/** read() reads a segment this much at a time. */
const READ_CHUNK_BYTES = 1024 * 1024;
const FILE_MODE = 0o600;

type Waiting = { q: number; record: LogRecord; line: string; resolve: () => void; reject: (error: unknown) => void };

export class IngestLog {
  private handle: FileHandle | null = null;
  private segmentSize = 0;
  private segments: { first: number; file: string }[] = [];
  private waiting: Waiting[] = [];
  private flushing: Promise<void> | null = null;
  private closed = false;
  private failed: unknown = null;
  /** Where read() stopped: the byte after the record `seq` in `file`. */
  private readCursor: { file: string; offset: number; seq: number } | null = null;
  /** Called with each batch of records once it is on disk, in sequence order. */
  onDurable: ((records: LoggedRecord[]) => void) | null = null;

  private constructor(
    readonly dir: string,
    readonly id: string,
    /** The last sequence number written. */
    private seq: number,
  ) {}

  /**
   * Opens (or creates) the log in `dir`. Only the segments are found, the last sequence number
   * and a torn last line cut off; no record is kept (a backlog of a million events held at once
   * at a restart took GBs, and could crash the restart again and again). The writer reads the
   * records it has not applied back from the segments, a window at a time (read(), each()).
   */
  static async open(dir: string): Promise<{ log: IngestLog }> {
    await mkdir(dir, { recursive: true, mode: DIR_MODE });
    await chmod(dir, DIR_MODE);
    const idFile = join(dir, "log-id");
    let id: string;
    try {
      id = (await readFile(idFile, "utf8")).trim();
    } catch {
      id = `log_${randomId(16)}`;
      await writeFile(idFile, `${id}\n`, { flush: true, mode: FILE_MODE });
      syncDirectory(dir);
    }
    await chmod(idFile, FILE_MODE);
    const names = (await readdir(dir)).filter((n) => /^\d{20}\.log$/.test(n)).sort();
    const segments: { first: number; file: string }[] = [];
    let lastRecord = 0;
    for (const [i, name] of names.entries()) {
      const file = join(dir, name);
      segments.push({ first: Number(name.slice(0, 20)), file });
      await chmod(file, FILE_MODE);
      // Line by line: the end of the last whole record, past which a crash left a torn line.
      let good = 0;
      for await (const { line, end } of lines(file, 0)) {
        let record: LogRecord;
        try {
          record = JSON.parse(line.toString("utf8")) as LogRecord;
        } catch {
          break;
        }
        lastRecord = record.q;
        good = end;
      }
      const size = (await stat(file)).size;
      if (good < size) {
        if (i !== names.length - 1) {
          throw new Error(
            `the ingest log ${file} is damaged before its end (byte ${good}); it was not written by Verity's log`,
          );
        }
        await truncate(file, good);
      }
    }
    // A segment is named by the number of its first record; one can be empty (a crash right
    // after it was created), so the numbers go on from the newest name as well.
    const last = Math.max(lastRecord, (segments.at(-1)?.first ?? 1) - 1);
    const log = new IngestLog(dir, id, last);
    log.segments = segments;
    return { log };
  }

  /**
   * Numbers the next record after `seq` at least: the engine may have applied records whose
   * segments are gone, and a number must never be given twice.
   */
  advanceTo(seq: number): void {
    if (seq > this.seq) this.seq = seq;
  }

  /** The sequence number of the last record written. */
  get lastSeq(): number {
    return this.seq;
  }

  /**
   * Appends a record and resolves, with its sequence number, once it is on disk. The
   * number is assigned here, so records are in the log in the order they were appended.
   */
  append(body: Record<string, unknown>): Promise<number> {
    if (this.closed) return Promise.reject(new Error("the ingest log is closed"));
    if (this.failed) return Promise.reject(this.failed);
    this.seq += 1;
    const q = this.seq;
    const record = { q, ...body };
    const line = `${JSON.stringify(record)}\n`;
    const done = new Promise<void>((resolve, reject) => this.waiting.push({ q, record, line, resolve, reject }));
    if (!this.flushing) this.flushing = this.flushLoop();
    return done.then(() => q);
  }

  /** Writes and syncs whatever waits, batch after batch, until nothing does. */
  private async flushLoop(): Promise<void> {
    try {
      while (this.waiting.length > 0) {
        const batch = this.waiting;
        this.waiting = [];
        try {
          const text = batch.map((w) => w.line).join("");
          const handle = await this.current(batch[0]?.q ?? this.seq);
          const bytes = Buffer.from(text, "utf8");
          let written = 0;
          while (written < bytes.length) {
            const { bytesWritten } = await handle.write(bytes, written, bytes.length - written);
            written += bytesWritten;
          }
          await handle.datasync();
          this.segmentSize += bytes.length;
          // Handed on in sequence order before anyone is told, so the writer never sees a
          // record before one written earlier.
          this.onDurable?.(batch.map((w) => ({ record: w.record, bytes: Buffer.byteLength(w.line, "utf8") })));
          for (const w of batch) w.resolve();
        } catch (error) {
          // The disk refused: nothing more is acknowledged (the server reports itself unhealthy).
          this.failed = error;
          for (const w of [...batch, ...this.waiting]) w.reject(error);
          this.waiting = [];
        }
      }
    } finally {
      this.flushing = null;
    }
  }

  /** The segment to append to, starting a new one named by `firstSeq` when the current is full. */
  private async current(firstSeq: number): Promise<FileHandle> {
    if (this.handle && this.segmentSize < SEGMENT_BYTES) return this.handle;
    if (this.handle) await this.handle.close();
    const last = this.segments.at(-1);
    if (!this.handle && last && (await stat(last.file)).size < SEGMENT_BYTES) {
      // Reopen the newest segment after a restart.
      this.handle = await open(last.file, "a", FILE_MODE);
      this.segmentSize = (await stat(last.file)).size;
      return this.handle;
    }
    const file = join(this.dir, `${String(firstSeq).padStart(20, "0")}.log`);
    this.handle = await open(file, "a", FILE_MODE);
    this.segmentSize = 0;
    this.segments.push({ first: firstSeq, file });
    // The new file's directory entry must be durable too.
    syncDirectory(this.dir);
    return this.handle;
  }

  /**
   * The records after `after` up to `through` (all of which are on disk), in order, with the
   * bytes each takes in the log, as many as fit `limit` (one record at least, however large,
   * unless `limit.mayBeEmpty`):
   * the writer reads back what did not fit its memory window. Reads on from where the last
   * call stopped when it can.
   */
  async read(
    after: number,
    through: number,
    limit: { events: number; bytes: number; mayBeEmpty?: boolean },
  ): Promise<LoggedRecord[]> {
    const records: LoggedRecord[] = [];
    let events = 0;
    let bytes = 0;
    // A copy: release() shifts applied segments out of the list while this awaits, and going
    // on by index into the shifted list skipped a segment (its records were lost). The
    // segments read hold records after `after` only, which release() never deletes.
    const segments = [...this.segments];
    let index = segments.findLastIndex((s) => s.first <= after + 1);
    if (index < 0) index = 0;
    for (; index < segments.length; index++) {
      const segment = segments[index];
      if (!segment) break;
      const cursor = this.readCursor;
      const from = cursor && cursor.file === segment.file && cursor.seq <= after ? cursor.offset : 0;
      for await (const { line, start, end } of lines(segment.file, from)) {
        const q = leadingSeq(line);
        if (!(q > after)) continue;
        const size = end - start;
        if (q > through) {
          this.readCursor = { file: segment.file, offset: start, seq: q - 1 };
          return records;
        }
        const record = JSON.parse(line.toString("utf8")) as LogRecord;
        const n = eventsIn(record);
        if ((records.length > 0 || limit.mayBeEmpty) && (events + n > limit.events || bytes + size > limit.bytes)) {
          // Does not fit: the next read starts with it.
          this.readCursor = { file: segment.file, offset: start, seq: q - 1 };
          return records;
        }
        records.push({ record, bytes: size });
        events += n;
        bytes += size;
        if (events >= limit.events || bytes >= limit.bytes || q === through) {
          this.readCursor = { file: segment.file, offset: end, seq: q };
          return records;
        }
      }
    }
    return records;
  }

  /**
   * Calls `visit` with each record after `after`, in order, one at a time and none kept: the
   * writer counts at start what waits to be applied without holding it.
   */
  async each(after: number, visit: (logged: LoggedRecord) => void): Promise<void> {
    const segments = [...this.segments];
    let index = segments.findLastIndex((s) => s.first <= after + 1);
    if (index < 0) index = 0;
    for (const segment of segments.slice(index)) {
      for await (const { line, start, end } of lines(segment.file, 0)) {
        if (!(leadingSeq(line) > after)) continue;
        visit({ record: JSON.parse(line.toString("utf8")) as LogRecord, bytes: end - start });
      }
    }
  }

  /** Deletes the segments whose every record is applied (at or below `appliedSeq`). */
  async release(appliedSeq: number): Promise<void> {
    while (this.segments.length > 1) {
      const [, next] = this.segments;
      if (!next || next.first - 1 > appliedSeq) break;
      const gone = this.segments.shift();
      if (gone) await rm(gone.file, { force: true });
    }
  }

  /** Waits for pending appends, then closes the file. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.flushing) await this.flushing;
    await this.handle?.close();
    this.handle = null;
  }
}

/** The events a record holds (its `e`). */
const eventsIn = (record: LogRecord): number => (Array.isArray(record.e) ? record.e.length : 0);

/** The sequence number leading a line (`{"q":123,`): most lines skipped are not parsed. */
const leadingSeq = (line: Buffer): number =>
  Number(/^\{"q":(\d+)/.exec(line.subarray(0, 32).toString("latin1"))?.[1] ?? Number.NaN);

/**
 * The whole lines of `file` from byte `from` (without their newline), with where each starts
 * and where the next begins; a last line with no newline (torn) is not given. A chunk at a
 * time, so a segment is never held whole.
 */
async function* lines(file: string, from: number): AsyncGenerator<{ line: Buffer; start: number; end: number }> {
  const handle = await open(file, "r");
  try {
    let offset = from;
    let rest = Buffer.alloc(0);
    for (;;) {
      const chunk = Buffer.alloc(READ_CHUNK_BYTES);
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, offset + rest.length);
      if (bytesRead === 0) return;
      const text = rest.length > 0 ? Buffer.concat([rest, chunk.subarray(0, bytesRead)]) : chunk.subarray(0, bytesRead);
      let start = 0;
      for (let end = text.indexOf(10); end >= 0; end = text.indexOf(10, start)) {
        yield { line: text.subarray(start, end), start: offset + start, end: offset + end + 1 };
        start = end + 1;
      }
      offset += start;
      // Copied: the rest of a line must not keep the whole chunk alive.
      rest = Buffer.from(text.subarray(start));
    }
  } finally {
    await handle.close();
  }
}

/** fsync of a directory makes a file created or removed in it durable (POSIX). */
function syncDirectory(dir: string): void {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
