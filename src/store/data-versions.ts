/**
 * Which data a statement reads, and the tokens that change when that data does (migration
 * 019). Results kept in memory (src/metrics/read-cache.ts) are keyed by the tokens of what
 * they read, so a write can never leave a stale answer behind, and a tracking batch (visits
 * alone) leaves every sales figure where it was.
 *
 * Every write of workspace data must call `touchData` in its transaction. The writers are
 * few: the import's transaction (every file, the API's rows and uploads, the demo) and the
 * tracking writer's batches (also dead-letter replays). test/data-versions.test.ts fails when
 * a module outside them writes a table below.
 */
import { createHash, randomUUID } from "node:crypto";
import { raw, sql } from "./sql.js";
import type { Store } from "./store.js";

/** The two kinds of change: everything an import writes, and what a tracking batch writes. */
export type DataGroup = "data" | "tracking";

/** The tables a tracking batch writes (src/server/collect/tracking.ts and the rollup deltas). */
const TRACKING_TABLES = [
  "visits",
  "visitor_months",
  "visit_months",
  "visit_source_months",
  "tracked_events",
  "tracked_visitors",
  "visitor_identities",
] as const;

/** Every other table of a workspace's data: written only by imports (and what they derive). */
const DATA_TABLES = [
  "imports",
  "reps",
  "pipelines",
  "stages",
  "leads",
  "stage_events",
  "activities",
  "social_posts",
  "social_post_snapshots",
  "social_follower_snapshots",
  "newsletter_subscribers",
  "newsletter_issues",
  "email_events",
  "activity_months",
  "activity_note_months",
  "lead_activity_months",
  "won_stage_days",
  "visit_days",
] as const;

/**
 * Tables that are not data a metric reads (accounts, sessions, the writer's own state). A
 * statement that reads one of these is never answered from memory.
 */
export const UNVERSIONED_TABLES = [
  "workspaces",
  "users",
  "users_by_workspace",
  "sessions",
  "api_keys",
  "sites",
  "ingest_state",
  "dead_letters",
  "schema_migrations",
  "tracking_since",
  "data_since",
  "kept_answers",
  // Campaigns' own tables (issue 18): no metric reads them, and a segment is evaluated anew each time.
  "mail_contacts",
  "mail_suppressions",
  "segments",
  "smtp_settings",
  "campaign_keys",
  "campaigns",
  "campaign_links",
  "campaign_outbox",
  "campaign_events",
] as const;

export const TABLE_GROUPS: ReadonlyMap<string, DataGroup> = new Map<string, DataGroup>([
  ...TRACKING_TABLES.map((t) => [t, "tracking"] as const),
  ...DATA_TABLES.map((t) => [t, "data"] as const),
]);

const UNVERSIONED = new Set<string>(UNVERSIONED_TABLES);
const WORDS = /[a-z_][a-z0-9_]*/g;
const groupsByText = new Map<string, readonly DataGroup[] | null>();

/**
 * The groups whose data `text` reads, or null when it cannot be told (it names no data table,
 * an account table, or a temporary table: Verity names those verity_*). A column that shares
 * a table's name (visit_days.visits) only adds a group: a key with one token too many is
 * invalidated too often, never too rarely.
 */
export function groupsRead(text: string): readonly DataGroup[] | null {
  const known = groupsByText.get(text);
  if (known !== undefined) return known;
  const groups = new Set<DataGroup>();
  let cacheable = true;
  for (const word of text.toLowerCase().match(WORDS) ?? []) {
    if (UNVERSIONED.has(word) || word.startsWith("verity_")) {
      cacheable = false;
      break;
    }
    const group = TABLE_GROUPS.get(word);
    if (group) groups.add(group);
  }
  const answer = cacheable && groups.size > 0 ? [...groups].sort() : null;
  // Statements are built from a few templates; the texts repeat. Bounded all the same.
  if (groupsByText.size > 5_000) groupsByText.clear();
  groupsByText.set(text, answer);
  return answer;
}

export type DataVersions = Readonly<Record<DataGroup, string>>;

/** One write's token and the month its changes begin in (migrations 020 and 021). */
export type Since = { month: string; start: number; version: string };
/** Each group's tokens by month. */
export type SinceByGroup = Readonly<Record<DataGroup, readonly Since[]>>;

/** At most this many month tokens per workspace and group (20 years of months); more fold into one. */
export const MAX_MONTHS = 240;

/** The table of each group's tokens by month. */
const SINCE_TABLES: Readonly<Record<DataGroup, string>> = { data: "data_since", tracking: "tracking_since" };

/**
 * The workspace's tokens and each group's tokens by month (migrations 020, 021), or null when
 * it has no row (nothing may then be kept: a workspace without a row was never written through
 * a path that changes them). One statement, so all come from the same moment: a value kept by
 * the month tokens must never be computed from data older than they say (read-cache.ts).
 */
export async function readVersions(
  store: Store,
  workspace: string,
): Promise<{ versions: DataVersions; since: SinceByGroup } | null> {
  const [row] = await store.query<{
    data_version: string | null;
    tracking_version: string | null;
    data_since: string | null;
    tracking_since: string | null;
  }>(
    sql`SELECT data_version, tracking_version,
          (SELECT string_agg(month || '=' || version, ',' ORDER BY month) FROM data_since WHERE workspace_id = ${workspace})
            AS data_since,
          (SELECT string_agg(month || '=' || version, ',' ORDER BY month) FROM tracking_since WHERE workspace_id = ${workspace})
            AS tracking_since
        FROM workspaces WHERE id = ${workspace}`,
  );
  if (!row) return null;
  return {
    versions: { data: row.data_version ?? "none", tracking: row.tracking_version ?? "none" },
    since: { data: sinceOf(row.data_since), tracking: sinceOf(row.tracking_since) },
  };
}

function sinceOf(joined: string | null): Since[] {
  return (joined ?? "")
    .split(",")
    .filter((entry) => entry !== "")
    .map((entry) => {
      // Months hold no '=' ('YYYY-MM' or ''); versions are UUIDs.
      const at = entry.indexOf("=");
      const month = entry.slice(0, at);
      return { month, start: monthStart(month), version: entry.slice(at + 1) };
    });
}

/**
 * Where a write's changes begin, per group it writes: the month ('YYYY-MM') of the earliest
 * moment it touched, '' for any time, or null when it changed nothing a metric of that group
 * reads (a tracking batch of resent events). A group left out counts as any time. What "the
 * earliest moment" covers for each writer: the tracking writer's visits (tracking.ts), a
 * push's or small import's leads with their whole histories (src/ingest/write-scope.ts).
 */
export type WriteScope = Partial<Record<DataGroup, string | null>>;

/**
 * New tokens for `groups`, inside the caller's transaction (they commit or roll back with the
 * data). Call it last in the transaction: on PostgreSQL the update holds the workspace's row
 * until the commit, and a concurrent writer of the same workspace waits for it there.
 *
 * Each group's token of the month its changes begin in is replaced too (`scope`), so values
 * kept for periods that ended before it stay (migrations 020, 021).
 */
export async function touchData(
  store: Store,
  workspace: string,
  groups: readonly DataGroup[],
  scope: WriteScope = {},
): Promise<void> {
  const token = randomUUID();
  for (const group of groups) {
    const since = scope[group] === undefined ? "" : scope[group];
    if (since === null) continue;
    const table = raw(SINCE_TABLES[group]);
    await store.execute(
      sql`INSERT INTO ${table} (workspace_id, month, version) VALUES (${workspace}, ${since}, ${token})
          ON CONFLICT (workspace_id, month) DO UPDATE SET version = excluded.version`,
    );
    // Every request reads these rows and every kept value's key names them: past a bound (a
    // writer pushing rows dated across centuries), they fold into one for any time, which
    // measures everything again once.
    const [count] = await store.query<{ n: number }>(
      sql`SELECT count(*) AS n FROM ${table} WHERE workspace_id = ${workspace}`,
    );
    if (Number(count?.n ?? 0) > MAX_MONTHS) {
      await store.execute(sql`DELETE FROM ${table} WHERE workspace_id = ${workspace}`);
      await store.execute(
        sql`INSERT INTO ${table} (workspace_id, month, version) VALUES (${workspace}, ${""}, ${token})`,
      );
    }
  }
  if (groups.includes("data") && groups.includes("tracking")) {
    await store.execute(
      sql`UPDATE workspaces SET data_version = ${token}, tracking_version = ${token} WHERE id = ${workspace}`,
    );
  } else if (groups.includes("data")) {
    await store.execute(sql`UPDATE workspaces SET data_version = ${token} WHERE id = ${workspace}`);
  } else if (groups.includes("tracking")) {
    await store.execute(sql`UPDATE workspaces SET tracking_version = ${token} WHERE id = ${workspace}`);
  }
}

/** The month ('YYYY-MM', UTC) of an instant, for a WriteScope. */
export function monthOf(at: Date): string {
  return at.toISOString().slice(0, 7);
}

/**
 * The first instant of 'YYYY-MM' (UTC, as the engines store times); -Infinity for '' and for
 * anything else, so a month that cannot be read counts as touching every period.
 */
function monthStart(month: string): number {
  const parts = /^(\d{4})-(\d{2})$/.exec(month);
  if (!parts) return Number.NEGATIVE_INFINITY;
  return Date.UTC(Number(parts[1]), Number(parts[2]) - 1, 1);
}

/**
 * The part of a group's tokens that a value reading only what lies before `end` depends on:
 * the tokens of the writes that began before it. Unchanged while every write of the group
 * since began at or after `end`.
 */
export function tokenBefore(since: readonly Since[], end: Date): string {
  const before = since.filter((s) => s.start < end.getTime());
  // Hashed: kept values compare it for equality only, and hold it in their keys.
  const tokens = before.map((s) => `${s.month}=${s.version}`).join(",");
  return `<${end.toISOString()}:${createHash("sha256").update(tokens).digest("base64url")}`;
}
