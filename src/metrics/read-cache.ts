/**
 * Metric results kept per data version (issue 17). A request reads its workspace's tokens
 * once (src/store/data-versions.ts) and gets a view of the store whose reads are answered
 * from memory when the same statement, with the same values, already ran against the same
 * tokens of the data it reads. A write changes the tokens in its own transaction, so a read
 * after a write never sees an answer from before it; a tracking batch changes only the
 * tracking token, so the sales figures stay in memory while visits arrive.
 *
 * What this buys: the dashboard's home asks the check (13 or 14 periods of every pair) and the
 * trend (6 of the same periods), the report the same metrics again; each statement runs once
 * per version. Requests that arrive together share one run (the entry is the promise).
 *
 * Rows handed out are frozen: they are shared between requests, and a caller that changed
 * one would change every later answer. Freezing makes that an error at once instead.
 */
import {
  type DataGroup,
  type DataVersions,
  groupsRead,
  readVersions,
  type SinceByGroup,
  tokenBefore,
} from "../store/data-versions.js";
import { StoreClosedError } from "../store/errors.js";
import type { Sql, SqlValue } from "../store/sql.js";
import type { Row, Store } from "../store/store.js";
import { PERIOD_INDEX } from "./across-periods.js";
import type { MetricContext } from "./metric.js";

/** At most this many rows are kept per store (the stalled list of a million leads is ~80,000). */
const MAX_ROWS = 400_000;
/** And at most this many results. */
const MAX_ENTRIES = 20_000;

type Entry = { rows: Promise<readonly Row[]>; size: number };

class ResultCache {
  // A Map iterates in insertion order: re-inserting on a hit makes the first key the least recent.
  private readonly entries = new Map<string, Entry>();
  private rows = 0;
  hits = 0;
  misses = 0;

  get(key: string): Promise<readonly Row[]> | null {
    const entry = this.entries.get(key);
    if (!entry) return null;
    this.entries.delete(key);
    this.entries.set(key, entry);
    this.hits++;
    return entry.rows;
  }

  put(key: string, run: () => Promise<Row[]>): Promise<readonly Row[]> {
    this.misses++;
    const entry: Entry = { rows: Promise.resolve([]), size: 1 };
    entry.rows = run().then(
      (rows) => {
        for (const row of rows) Object.freeze(row);
        Object.freeze(rows);
        if (this.entries.get(key) === entry) {
          entry.size = Math.max(1, rows.length);
          this.rows += entry.size - 1;
          this.evict();
        }
        return rows;
      },
      (error: unknown) => {
        // A failed run is not kept: the next read tries again.
        if (this.entries.get(key) === entry) this.drop(key, entry);
        throw error;
      },
    );
    this.entries.set(key, entry);
    this.rows += 1;
    this.evict();
    return entry.rows;
  }

  /** Whether `key` is kept or under way, without counting a hit. */
  has(key: string): boolean {
    return this.entries.has(key);
  }

  private drop(key: string, entry: Entry): void {
    this.entries.delete(key);
    this.rows -= entry.size;
  }

  private evict(): void {
    for (const [key, entry] of this.entries) {
      if (this.rows <= MAX_ROWS && this.entries.size <= MAX_ENTRIES) return;
      this.drop(key, entry);
    }
  }
}

const caches = new WeakMap<Store, ResultCache>();

function cacheOf(store: Store): ResultCache {
  let cache = caches.get(store);
  if (!cache) {
    cache = new ResultCache();
    caches.set(store, cache);
  }
  return cache;
}

/** Hits and misses of `store`'s statement cache so far, and the values kept (for tests and the benchmarks). */
export function readCacheStats(store: Store): { hits: number; misses: number; values: number; valueRows: number } {
  const cache = caches.get(store);
  const kept = byReads.get(store);
  return {
    hits: cache?.hits ?? 0,
    misses: cache?.misses ?? 0,
    values: kept?.values.size ?? 0,
    valueRows: kept?.rows ?? 0,
  };
}

const keyValue = (value: SqlValue) => (typeof value === "bigint" ? `${value}n` : value);

/**
 * A view of `store` for one request of `workspace`: its reads are kept per data version, and
 * what is computed from them can be kept too (`rememberByReads`). Everything else goes to the
 * store itself. With `VERITY_READ_CACHE=off` in the environment (benchmarks measuring the
 * statements themselves), or for a workspace without a row, it is the store itself.
 */
export async function cachedReads(store: Store, workspace: string): Promise<Store> {
  if (process.env.VERITY_READ_CACHE === "off") return store;
  const read = await readVersions(store, workspace);
  return read ? readView(store, workspace, read.versions, read.since, undefined, gate(READS_AT_ONCE)) : store;
}

/**
 * At most this many of a request's statements run at once. A report asks some thirty at once
 * (every metric, both periods, the vanity figures): unbounded, on PostgreSQL they filled the
 * pool's 8 connections and every other request, another workspace's or the tracking writer's,
 * waited behind all thirty. Four keep both of `verity serve`'s DuckDB connections and a 2-vCPU
 * PostgreSQL busy, and leave half the pool to others. What a request finds kept or under way
 * costs it no place; a statement another request started runs in that request's places, so the
 * second may wait behind the first one's line for a row they share.
 */
export const READS_AT_ONCE = 4;

/** At most this many computed values are kept per store (a check is 8 pairs in 14 periods). */
const MAX_VALUES = 2_000;

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

/** What a view reads through, for values kept by what they read (`rememberByReads`). */
type ViewOf = {
  base: Store;
  workspace: string;
  versions: DataVersions;
  /** Read with the tokens, in one statement: a value is never computed from older data than its key says. */
  since: SinceByGroup;
  /** The request's places for statements (READS_AT_ONCE), shared by the views made for it. */
  through: Gate;
};
const viewOf = new WeakMap<Store, ViewOf>();

/** The groups a computation read (null: one statement whose groups cannot be told). */
type Reads = { groups: Set<DataGroup> | null };

function readView(
  store: Store,
  workspace: string,
  versions: DataVersions,
  since: SinceByGroup,
  reads: Reads | undefined,
  through: Gate,
): Store {
  const cache = cacheOf(store);
  const query = <T extends Row = Row>(statement: Sql): Promise<T[]> => {
    const { text, values } = statement.compile();
    const groups = groupsRead(text);
    const own = groups !== null && values.includes(workspace);
    if (reads?.groups) {
      if (own) for (const group of groups) reads.groups.add(group);
      else reads.groups = null;
    }
    // Only statements of this workspace: its tokens say nothing of another's data.
    if (!own) return through(() => store.query<T>(statement));
    const key = statementKey(workspace, versions, text, values, groups);
    const rows = cache.get(key) ?? cache.put(key, () => through(() => store.query(statement)));
    return rows as Promise<T[]>;
  };
  // Every other member is the store's own, called on the store (the engines keep private state).
  const view: Store = {
    engine: store.engine,
    dialect: store.dialect,
    location: store.location,
    query,
    execute: (statement) => store.execute(statement),
    transaction: (work) => store.transaction(work),
    stageCsv: (...args) => store.stageCsv(...args),
    stageRows: (...args) => store.stageRows(...args),
    bulkInsert: (...args) => store.bulkInsert(...args),
    statementProgress: () => store.statementProgress(),
    close: () => store.close(),
  };
  if (store.csvRelation) view.csvRelation = (...args) => store.csvRelation?.(...args) as Sql;
  if (store.setThreads) view.setThreads = (threads) => store.setThreads?.(threads) as Promise<void>;
  if (store.setMemoryLimit) view.setMemoryLimit = (limit) => store.setMemoryLimit?.(limit) as Promise<void>;
  if (store.setReadConnections) {
    view.setReadConnections = (count) => store.setReadConnections?.(count) as Promise<void>;
  }
  viewOf.set(view, { base: store, workspace, versions, since, through });
  return view;
}

/** The key a view keeps a statement's rows under: its text and values, and the tokens of what it reads. */
function statementKey(
  workspace: string,
  versions: DataVersions,
  text: string,
  values: readonly SqlValue[],
  groups: readonly DataGroup[],
): string {
  return JSON.stringify([workspace, groups.map((g) => versions[g]), text, values.map(keyValue)]);
}

/** Runs `work` when a place is free (a few at a time): see primeReads. */
export type Gate = <T>(work: () => Promise<T>) => Promise<T>;

/**
 * A gate that lets `width` works run at once, the rest in the order they came. A work that ends
 * hands its place to the next in line rather than freeing it: freed, a work arriving before the
 * woken one resumed (a microtask later) would take it too, and one more would run than `width`.
 */
export function gate(width: number): Gate {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async (work) => {
    if (running >= width) await new Promise<void>((resolve) => waiting.push(resolve));
    else running++;
    try {
      return await work();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}

/** Whether `store` is a request's view, whose reads are kept (cachedReads). */
export function keepsReads(store: Store): boolean {
  return viewOf.has(store);
}

/**
 * Rows for `statements` (each of the view's workspace) from one run of another statement, kept
 * as if each had run (src/metrics/across-periods.ts): `together(missing)` is the statement for
 * those not kept nor under way (null: none can be read together), answering rows that carry
 * `period_index`, the position in `missing` of the statement each belongs to. The check and
 * the entries are made at once, with no wait between, so two requests that prime the same
 * statements together run them once; the runs themselves start when `through` lets them. A
 * run that fails gives way to each statement run alone (a statement over many periods can
 * meet a memory limit one period does not), unless the store is closing. Nothing is done for
 * fewer than `atLeast` missing statements (the statements then run alone, as asked), nor
 * without a view; more than `chunk` are read in several runs. Returns how many were primed.
 */
export function primeReads(
  view: Store,
  statements: readonly Sql[],
  together: (missing: readonly number[]) => Sql | null,
  { atLeast = 2, chunk = 7, through = (work) => work() }: { atLeast?: number; chunk?: number; through?: Gate } = {},
): number {
  const of = viewOf.get(view);
  if (!of) return 0;
  const cache = cacheOf(of.base);
  const keys: { index: number; key: string }[] = [];
  statements.forEach((statement, index) => {
    const { text, values } = statement.compile();
    const groups = groupsRead(text);
    if (groups === null || !values.includes(of.workspace)) return;
    const key = statementKey(of.workspace, of.versions, text, values, groups);
    if (!cache.has(key)) keys.push({ index, key });
  });
  if (keys.length < atLeast) return 0;
  // In runs of at most `chunk`, of even size: a statement runs on one connection, and serve's
  // DuckDB reads on two with a thread each, so the check's 13 periods go as two runs of 7 and
  // 6; one run of 13 held every pair up behind it, runs of 4 were slower too (docs/benchmarks.md,
  // 2026-12-07, sixth session).
  const size = Math.ceil(keys.length / Math.ceil(keys.length / chunk));
  let primed = 0;
  for (let start = 0; start < keys.length; start += size) {
    const run = keys.slice(start, start + size);
    const statement = together(run.map((k) => k.index));
    if (!statement) continue;
    const all = through(() => of.through(() => of.base.query(statement)));
    run.forEach(({ key, index }, position) => {
      const alone = statements[index] as Sql;
      const rows = cache.put(key, () =>
        all.then(
          (rows) =>
            rows.flatMap((row) => {
              const at = row[PERIOD_INDEX];
              if (at === null || at === undefined || Number(at) !== position) return [];
              const { [PERIOD_INDEX]: _, ...own } = row;
              return [own];
            }),
          (error: unknown) => {
            if (error instanceof StoreClosedError) throw error;
            return of.through(() => of.base.query(alone));
          },
        ),
      );
      // A failure reaches whoever reads the rows; one that nobody reads is no unhandled rejection.
      rows.catch(() => {});
    });
    primed += run.length;
  }
  return primed;
}

/**
 * Whether a value is kept under `key` (rememberByReads) for the data `view` sees, or under
 * way, with `before` as the value was kept with: so a caller can tell what a request will
 * compute before it asks.
 */
export function valueKept(view: Store, key: string, before?: Date): boolean {
  const of = viewOf.get(view);
  const known = of ? byReads.get(of.base)?.values.get(key) : undefined;
  if (!of || !known) return false;
  return known.tokens === tokensOf(known.groups, versionsBefore(of, before));
}

function versionsBefore(of: ViewOf, before: Date | undefined): DataVersions {
  return before
    ? { data: tokenBefore(of.since.data, before), tracking: tokenBefore(of.since.tracking, before) }
    : of.versions;
}

type ByReads = { tokens: string; groups: readonly DataGroup[] | null; value: Promise<unknown>; rows: number };
/** Kept values of a store, least recently used first, and the rows they hold between them. */
type Kept = { values: Map<string, ByReads>; rows: number };
const byReads = new WeakMap<Store, Kept>();
/** At most this many rows in the kept values of a store (see KeepOptions.rows). */
const MAX_VALUE_ROWS = 400_000;
const ALL_GROUPS: readonly DataGroup[] = ["data", "tracking"];
const tokensOf = (groups: readonly DataGroup[] | null, versions: DataVersions) =>
  (groups ?? ALL_GROUPS).map((g) => `${g}:${versions[g]}`).join("/");

/** What a kept value says of itself (rememberByReads). */
export type KeepOptions<T> = {
  /**
   * It depends only on what lies before this instant (a period's end): visits that started
   * before it, and leads with some moment of their history before it (created, qualified,
   * closed, a stage event, an activity, a converted visit), and activities before it. Its
   * tokens are then those of the writes that began before it (data-versions.ts, tokenBefore),
   * so a tracking batch of today's visits or a push of today's leads leaves last quarter's
   * figures in memory. A promise the statements break gives stale answers:
   * test/tracking-since.test.ts and test/data-since.test.ts hold every pair of the vanity check
   * to it on both engines.
   */
  before?: Date;
  /**
   * How many rows it holds (default 1): the kept values of a store hold at most 400,000
   * between them, least recently used first out, so that requests with many keys (a list
   * per filter) cannot fill the memory.
   */
  rows?: (value: T) => number;
};

/**
 * A value computed from the data through `view` (a request's view from cachedReads), kept
 * under `key` and the tokens of only the data its statements read: `compute` gets a view that
 * notes the groups of every statement it runs, and a later request finds the value while
 * those groups' tokens are unchanged. So a figure that reads no website data outlives a
 * tracking batch, and with `before` (see KeepOptions) one that reads only what lies before
 * a time outlives the writes after it. `key` must name everything else the value depends on
 * (the request's parameters, and what of the context it reads without a statement), and
 * `compute` must read the data through the view it is given, nothing else. Not a view:
 * computed every time.
 */
export function rememberByReads<T>(
  view: Store,
  key: string,
  compute: (reads: Store) => Promise<T>,
  options: KeepOptions<T> = {},
): Promise<T> {
  const of = viewOf.get(view);
  if (!of) return compute(view);
  // The tokens this value is kept by: narrowed to the writes that began before its time.
  const versions = versionsBefore(of, options.before);
  let kept = byReads.get(of.base);
  if (!kept) {
    kept = { values: new Map(), rows: 0 };
    byReads.set(of.base, kept);
  }
  const store = kept;
  const known = store.values.get(key);
  if (known && known.tokens === tokensOf(known.groups, versions)) {
    store.values.delete(key);
    store.values.set(key, known);
    return known.value as Promise<T>;
  }
  const reads: Reads = { groups: new Set() };
  // Until it is computed, it stands for every group (another request with the same tokens shares it).
  const entry: ByReads = { tokens: tokensOf(null, versions), groups: null, value: Promise.resolve(), rows: 1 };
  entry.value = compute(readView(of.base, of.workspace, of.versions, of.since, reads, of.through)).then(
    (value) => {
      if (store.values.get(key) === entry) {
        // A statement whose data no token covers: the value cannot be kept at all.
        if (!reads.groups) drop(store, key, entry);
        else {
          entry.groups = [...reads.groups].sort();
          entry.tokens = tokensOf(entry.groups, versions);
          const rows = Math.max(1, options.rows?.(value) ?? 1);
          store.rows += rows - entry.rows;
          entry.rows = rows;
          evict(store);
        }
      }
      return deepFreeze(value);
    },
    (error: unknown) => {
      if (store.values.get(key) === entry) drop(store, key, entry);
      throw error;
    },
  );
  const replaced = store.values.get(key);
  if (replaced) drop(store, key, replaced);
  store.values.set(key, entry);
  store.rows += entry.rows;
  evict(store);
  return entry.value as Promise<T>;
}

function drop(kept: Kept, key: string, entry: ByReads): void {
  kept.values.delete(key);
  kept.rows -= entry.rows;
}

/**
 * Least recently used first, until the store's kept values are within both budgets; the most
 * recent stays even alone over them (a list larger than the budget is still kept, by itself).
 */
function evict(kept: Kept): void {
  for (const [key, entry] of kept.values) {
    if (kept.values.size <= 1 || (kept.values.size <= MAX_VALUES && kept.rows <= MAX_VALUE_ROWS)) return;
    drop(kept, key, entry);
  }
}

/**
 * What a value computed from a metric context reads besides the data, for its key in
 * rememberByReads: the request's parameters and, from the context, the as-of, the reporting
 * currency and the capabilities. The data ranges are not in it: what they change (the as-of)
 * is. One key for every kept figure, so no caller forgets a part.
 */
export function contextKey(kind: string, ctx: MetricContext, ...more: unknown[]): string {
  const { workspace, period, asOf, filters, options, grain, currency, otherCurrencies, capabilities } = ctx;
  return JSON.stringify([
    kind,
    ...more,
    workspace,
    period.start,
    period.end,
    asOf,
    filters,
    options,
    grain,
    currency,
    otherCurrencies,
    [...capabilities].sort(),
  ]);
}
