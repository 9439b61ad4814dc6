/**
 * DuckDB reads outside a transaction, once a server asks for two read connections
 * (setReadConnections), run on whichever of two connections has fewer statements under way
 * (src/store/duckdb-store.ts): reads that arrive together spread over both, a read sees what
 * a write on the main connection committed just before, and when the second connection cannot
 * be made, main answers every read and close() still closes. Without the ask, one connection.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, test } from "vitest";
import { openDuckDbStore } from "../src/store/duckdb-store.js";
import { isEngineUnavailable } from "../src/store/errors.js";
import { sql } from "../src/store/sql.js";
import type { Store } from "../src/store/store.js";
import { bounded } from "./support/fuzz.js";

type Connection = { runAndReadAll: (...args: unknown[]) => Promise<unknown> };
type Internals = {
  main: Connection;
  instance: { connect: () => Promise<Connection> };
  second: Promise<{ connection: Connection }> | null;
};

let dir: string;
let store: Store;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "verity-readers-"));
  store = await openDuckDbStore(join(dir, "readers.duckdb"));
  await store.execute(sql`CREATE TABLE t (n INTEGER)`);
});
afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

/** Counts the statements each connection ran, by wrapping its runAndReadAll. */
function counted(connection: Connection, counts: Map<Connection, number>) {
  const run = connection.runAndReadAll.bind(connection);
  connection.runAndReadAll = (...args: unknown[]) => {
    counts.set(connection, (counts.get(connection) ?? 0) + 1);
    return run(...args);
  };
}

test("without being asked, every read runs on the one main connection", async () => {
  const internals = store as unknown as Internals;
  const counts = new Map<Connection, number>();
  counted(internals.main, counts);
  await Promise.all(Array.from({ length: 4 }, () => store.query(sql`SELECT count(*) AS n FROM t`)));
  expect(counts.get(internals.main)).toBe(4);
  expect(internals.second).toBeNull();
});

test("reads that arrive together run on both connections and see the last committed write", async () => {
  const internals = store as unknown as Internals;
  await store.setReadConnections?.(2);
  await store.query(sql`SELECT 1 AS one`); // makes the second connection
  const second = await internals.second;
  expect(second).not.toBeNull();
  const counts = new Map<Connection, number>();
  counted(internals.main, counts);
  counted(second?.connection as Connection, counts);
  for (let i = 1; i <= 3; i++) {
    await store.execute(sql`INSERT INTO t VALUES (${i})`);
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => store.query<{ n: number }>(sql`SELECT sum(n) AS n FROM t`)),
    );
    // Every read, on either connection, sees the insert committed on main just before.
    for (const [row] of answers) expect(Number(row?.n)).toBe((i * (i + 1)) / 2);
  }
  expect(counts.get(internals.main)).toBe(9);
  expect(counts.get(second?.connection as Connection)).toBe(9);
});

test("when the second connection cannot be made, main answers and close() still closes", async () => {
  const internals = store as unknown as Internals;
  await store.setReadConnections?.(2);
  const connect = internals.instance.connect.bind(internals.instance);
  let refused = 0;
  internals.instance.connect = () => {
    refused++;
    return Promise.reject(new Error("no more connections"));
  };
  const answers = await Promise.all(
    Array.from({ length: 3 }, () => store.query<{ n: number }>(sql`SELECT count(*) AS n FROM t`)),
  );
  expect(answers.map(([row]) => Number(row?.n))).toEqual([0, 0, 0]);
  expect(refused).toBe(1);
  // The next read tries again, and uses the second connection once it can be made.
  internals.instance.connect = connect;
  await store.query(sql`SELECT 1 AS one`);
  expect(await internals.second).not.toBeNull();
  internals.instance.connect = () => Promise.reject(new Error("no more connections"));
  await expect(store.close()).resolves.toBeUndefined();
  store = await openDuckDbStore(join(dir, "readers.duckdb")); // for afterEach
});

/** A read that runs for minutes unless it is stopped. */
const LONG_READ = sql`SELECT count(*) AS n FROM range(100000000000) r(i) WHERE i % 7 = 3`;

/** How each read ended: "answered", or its error's name and message. */
const outcomes = (reads: Promise<unknown>[]) =>
  Promise.all(
    reads.map((read) =>
      read.then(
        () => "answered",
        (error: Error) => `${isEngineUnavailable(error) ? "engine" : "other"} ${error.name}: ${error.message}`,
      ),
    ),
  );

for (const connections of [1, 2] as const) {
  test(`close() stops every read under way or queued (${connections} read connection${connections > 1 ? "s" : ""}): each is refused in Verity's words, and no later statement runs`, async () => {
    await store.setReadConnections?.(connections);
    // Three reads: on one connection two of them wait behind the first (DuckDB clears a
    // connection's interrupt when its next statement starts).
    const reads = outcomes([store.query(LONG_READ), store.query(LONG_READ), store.query(LONG_READ)]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await bounded(store.close(), 20_000, "close() with reads under way");
    const ended = await bounded(reads, 20_000, "the reads under way at close()");
    for (const outcome of ended) {
      expect(outcome).toMatch(/^engine StoreClosedError: .*readers\.duckdb was closed while the statement ran$/);
    }
    await expect(store.query(sql`SELECT 1 AS one`)).rejects.toThrow(/readers\.duckdb is closed/);
    await expect(store.execute(sql`INSERT INTO t VALUES (1)`)).rejects.toThrow(/is closed/);
    await expect(store.transaction(async () => 1)).rejects.toThrow(/is closed/);
    await store.close(); // a second close (the cleanup's) is the first one's
  });
}

test("close() lets a write under way outside a transaction finish", async () => {
  const path = join(dir, "readers.duckdb");
  const write = store.execute(sql`CREATE TABLE big AS SELECT i FROM range(30000000) r(i)`);
  await new Promise((resolve) => setTimeout(resolve, 20));
  // Still running when close() is asked: otherwise this would test nothing.
  expect((store as unknown as { running: Map<unknown, unknown> }).running.size).toBe(1);
  await bounded(store.close(), 20_000, "close() with a write under way");
  await bounded(write, 20_000, "the write under way at close()");
  store = await openDuckDbStore(path);
  const [row] = await store.query<{ n: number }>(sql`SELECT count(*) AS n FROM big`);
  expect(Number(row?.n)).toBe(30_000_000);
});
