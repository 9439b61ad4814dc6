/**
 * Keeps the schema and the metrics' SQL ready for a distributed PostgreSQL: Citus with every
 * per-workspace table distributed by workspace_id and co-located (docs/scaling.md). No
 * database: the migrations' statements are read as the PostgreSQL dialect writes them, and
 * the metrics' statements from their pinned files (src/metrics/sql/, written by
 * src/metrics/pinned-sql.test.ts), with their bound values.
 *
 * - Every table is classified: distributed by workspace_id (then its primary key starts with
 *   workspace_id, every unique key and index includes it, or it is a known keyless table),
 *   or listed below with where it goes in a cluster and why. A new table fails here until
 *   someone decides which.
 * - Every metric statement runs on one workspace's shard: each read of a distributed table
 *   is tied to the workspace (its bound value), and each join of two relations that carry a
 *   workspace_id matches them on it (Citus pushes down only joins on the distribution column).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, test } from "vitest";
import { DIALECTS } from "../src/store/dialect.js";
import { MIGRATIONS } from "../src/store/migrate.js";
import { type CheckOptions, checkWorkspaceSql, readSchema, type TableShape } from "./support/workspace-sql.js";

const ROOT = resolve(import.meta.dirname, "..");
const PINNED = join(ROOT, "src/metrics/sql");
/** The workspace the pinned statements were built for (test/support/pure-metric-inputs.ts). */
const FIXTURE_WORKSPACE = "fixture";

/**
 * Tables that are not distributed by workspace_id, and where they go (docs/scaling.md,
 * "Tables"). Local: ordinary tables on the coordinator, for what is looked up by its own
 * key before the workspace is known and never joined with a workspace's data (a join would
 * make it a reference table: replicated to every node, each write a two-phase commit).
 */
const NOT_BY_WORKSPACE_ID: Record<string, { place: "distributed by id" | "reference" | "local"; why: string }> = {
  workspaces: {
    place: "distributed by id",
    why: "its key is the workspace id itself: distributed by id and co-located, so a batch's update of the workspace's data version stays on the workspace's shard",
  },
  users: {
    place: "local",
    why: "signing in looks a user up by email across workspaces (migration 015); never joined with a workspace's data",
  },
  api_keys: { place: "local", why: "a request's key is looked up by its id before the workspace is known" },
  sites: { place: "local", why: "a tracking request names its site's public key, not a workspace" },
  sessions: {
    place: "local",
    why: "looked up by token hash on every signed-in request and renewed as its idle deadline slides",
  },
  ingest_state: { place: "local", why: "one row per server's ingest log, no workspace" },
  dead_letters: { place: "local", why: "the tracking writer's store of refused log records, beside ingest_state" },
  schema_migrations: { place: "local", why: "Citus propagates the DDL; the record of it is the coordinator's" },
};

/**
 * Distributed tables without a primary key. Citus distributes a table without one, so
 * nothing blocks a cluster; a key would need a migration (PostgreSQL; DuckDB keeps no keys
 * on its large tables), named here. Remove an entry when its key exists.
 */
const KEYLESS: Record<string, string> = {
  visit_months:
    "a rollup kept by upsert on (workspace_id, month, visit_number, days_since_previous); days_since_previous is NULL for first visits, so the key would be UNIQUE NULLS NOT DISTINCT (PostgreSQL 15+) in a new migration",
  visit_source_months:
    "a rollup on (workspace_id, month, utm_source, utm_medium, referrer_host), all three nullable: UNIQUE NULLS NOT DISTINCT in a new migration",
  activity_months: "a rollup on (workspace_id, month, rep_id, type), rep_id nullable: UNIQUE NULLS NOT DISTINCT",
  activity_note_months: "a rollup on (workspace_id, month, rep_id, note_length), rep_id nullable: as above",
  lead_activity_months: "a rollup on (workspace_id, month, rep_id, lead_id), both nullable: as above",
  won_stage_days:
    "one row per (workspace_id, lead_id, stage_id), all NOT NULL: PRIMARY KEY (workspace_id, lead_id, stage_id) in a new migration",
};

/**
 * Metric statements allowed to break the rules, keyed `<file> <statement>: <finding>`, each
 * with its reason. None today; an entry here must say why the statement cannot be routed to
 * one shard and what it costs on a cluster.
 */
const ALLOWED_FINDINGS: Record<string, string> = {};

/** The schema a fresh PostgreSQL database gets: schema_migrations, then every migration. */
function currentSchema(): Map<string, TableShape> {
  const migrate = readFileSync(join(ROOT, "src/store/migrate.ts"), "utf8");
  const own = [...migrate.matchAll(/sql`(CREATE TABLE IF NOT EXISTS [^`]*)`/g)].map((m) => m[1] as string);
  expect(own.length, "migrate.ts creates schema_migrations").toBe(1);
  return readSchema([...own, ...MIGRATIONS.flatMap((m) => m.statements(DIALECTS.postgres))]);
}

/** What keeps `schema` from distributing each table as classified; empty when nothing does. */
function schemaProblems(
  schema: ReadonlyMap<string, TableShape>,
  notByWorkspace: Record<string, unknown>,
  keyless: Record<string, string>,
): string[] {
  const problems: string[] = [];
  for (const name of [...Object.keys(notByWorkspace), ...Object.keys(keyless)]) {
    if (!schema.has(name)) problems.push(`${name} is classified here but no migration creates it`);
  }
  for (const [name, table] of schema) {
    if (name in notByWorkspace) continue;
    if (!table.columns.includes("workspace_id")) {
      problems.push(`${name} has no workspace_id: distribute it by workspace_id or classify it (reference or local)`);
      continue;
    }
    if (!table.notNull.has("workspace_id")) problems.push(`${name}.workspace_id may be NULL`);
    const uniques = [...(table.primaryKey ? [table.primaryKey] : []), ...table.unique];
    uniques.push(...table.indexes.filter((index) => index.unique).map((index) => index.columns));
    for (const key of uniques) {
      if (!key.includes("workspace_id")) {
        problems.push(`${name}: unique key (${key.join(", ")}) lacks workspace_id (Citus cannot enforce it)`);
      }
    }
    const key = table.primaryKey ?? table.unique[0];
    if (!key) {
      if (!(name in keyless)) problems.push(`${name} has no primary key: give it one starting with workspace_id`);
    } else {
      if (name in keyless) problems.push(`${name} has a key now: remove it from KEYLESS`);
      if (key[0] !== "workspace_id")
        problems.push(`${name}: its key (${key.join(", ")}) does not start with workspace_id`);
    }
    for (const index of table.indexes) {
      if (index.columns[0] !== "workspace_id") {
        problems.push(`${name}: index ${index.name} (${index.columns.join(", ")}) does not start with workspace_id`);
      }
    }
    for (const reference of table.references) {
      const target = schema.get(reference.table);
      const targetDistributed = target !== undefined && !(reference.table in notByWorkspace);
      if (
        targetDistributed &&
        !(reference.columns.includes("workspace_id") && reference.target.includes("workspace_id"))
      ) {
        problems.push(`${name}: a foreign key to ${reference.table} without workspace_id on both sides`);
      }
    }
  }
  return problems;
}

/** One statement of a pinned file. */
type Pinned = { file: string; statement: string; sql: string; values: unknown[] };

/** Every statement in the pinned SQL files, as sent, with its bound values. */
function pinnedStatements(): Pinned[] {
  const files = readdirSync(PINNED).filter((f) => f.endsWith(".duckdb.sql") || f.endsWith(".postgres.sql"));
  return files.sort().flatMap((file) => {
    const text = readFileSync(join(PINNED, file), "utf8");
    const found = [...text.matchAll(/^-- statement: (.+)\n([\s\S]*?)\n-- values: (.*)$/gm)].map((m) => ({
      file,
      statement: m[1] as string,
      sql: m[2] as string,
      values: JSON.parse(m[3] as string) as unknown[],
    }));
    // A change of the pinned format must not leave this test checking nothing.
    expect(found.length, `${file}: statements read`).toBe(text.split("\n-- statement: ").length - 1);
    return found;
  });
}

function checkOptions(schema: ReadonlyMap<string, TableShape>, values: readonly unknown[]): CheckOptions {
  const names = [...schema.keys()];
  const distributed = new Set(names.filter((name) => !(name in NOT_BY_WORKSPACE_ID)));
  return {
    distributed,
    other: new Set(names.filter((name) => !distributed.has(name))),
    isWorkspaceParam: (n) => values[n - 1] === FIXTURE_WORKSPACE,
  };
}

describe("the schema is ready to distribute by workspace", () => {
  const schema = currentSchema();

  test("every table is distributed by workspace_id with its key starting with it, or classified with a reason", () => {
    expect(schemaProblems(schema, NOT_BY_WORKSPACE_ID, KEYLESS)).toEqual([]);
    // workspaces is distributed by its id: that column is its whole key.
    expect(schema.get("workspaces")?.primaryKey).toEqual(["id"]);
  });

  test("the check fails on a table whose key does not start with workspace_id, and on one nobody classified", () => {
    const bad = readSchema([
      "CREATE TABLE notes (workspace_id TEXT NOT NULL, id TEXT NOT NULL, PRIMARY KEY (id, workspace_id))",
      "CREATE TABLE tags (id TEXT NOT NULL PRIMARY KEY, name TEXT)",
      "CREATE TABLE marks (workspace_id TEXT NOT NULL, id TEXT NOT NULL UNIQUE)",
      "CREATE INDEX notes_id ON notes (id)",
    ]);
    expect(schemaProblems(bad, {}, {})).toEqual([
      "notes: its key (id, workspace_id) does not start with workspace_id",
      "notes: index notes_id (id) does not start with workspace_id",
      "tags has no workspace_id: distribute it by workspace_id or classify it (reference or local)",
      "marks: unique key (id) lacks workspace_id (Citus cannot enforce it)",
      "marks: its key (id) does not start with workspace_id",
    ]);
  });
});

describe("every metric statement runs on one workspace's shard", () => {
  const schema = currentSchema();
  const statements = pinnedStatements();

  test("each read of a distributed table is tied to the workspace, each join matches on workspace_id", () => {
    const found: string[] = [];
    const seen = new Set<string>();
    for (const pinned of statements) {
      const result = checkWorkspaceSql(pinned.sql, checkOptions(schema, pinned.values));
      // The reader must see the statement's reads: one that names workspace_id reads a table.
      if (pinned.sql.includes("workspace_id"))
        expect(result.reads.length, `${pinned.file} ${pinned.statement}`).toBeGreaterThan(0);
      for (const finding of result.findings) {
        const key = `${pinned.file.replace(/\.(duckdb|postgres)\.sql$/, "")} ${pinned.statement}: ${finding}`;
        seen.add(key);
        if (!(key in ALLOWED_FINDINGS)) found.push(`${pinned.file} ${pinned.statement}: ${finding}`);
      }
    }
    expect(found).toEqual([]);
    // Nor do they read a coordinator's local table: a join with one is no single-shard query.
    const local = Object.entries(NOT_BY_WORKSPACE_ID).filter(([, table]) => table.place === "local");
    const readsLocal = new RegExp(`\\b(from|join)\\s+(${local.map(([name]) => name).join("|")})\\b`, "i");
    expect(statements.filter((s) => readsLocal.test(s.sql)).map((s) => `${s.file} ${s.statement}`)).toEqual([]);
    expect(
      Object.keys(ALLOWED_FINDINGS).filter((key) => !seen.has(key)),
      "allowed findings no longer found",
    ).toEqual([]);
    expect(statements.length).toBeGreaterThan(100);
  });

  // The checker itself, on statements that must fail (and some that must pass).
  const options = (values: unknown[] = [FIXTURE_WORKSPACE]) => checkOptions(schema, values);
  const findings = (sql: string, values?: unknown[]) => checkWorkspaceSql(sql, options(values)).findings;

  test("a join of two workspace tables without workspace_id fails", () => {
    expect(
      findings(`SELECT count(*) FROM leads l JOIN stage_events e ON e.lead_id = l.id WHERE l.workspace_id = $1`),
    ).toEqual([
      "stage_events e is read without being tied to the workspace",
      "stage_events e is joined to leads l without matching workspace_id",
    ]);
    // Tied to the workspace apart, but joined without it: the join itself is not co-located.
    expect(
      findings(
        `SELECT count(*) FROM leads l JOIN stage_events e ON e.workspace_id = $1 AND e.lead_id = l.id WHERE l.workspace_id = $1`,
      ),
    ).toEqual(["stage_events e is joined to leads l without matching workspace_id"]);
    expect(
      findings(
        `SELECT 1 FROM leads l, activities a WHERE l.workspace_id = $1 AND a.workspace_id = $1 AND a.lead_id = l.id`,
      ),
    ).toEqual(["activities a is joined to leads l without matching workspace_id"]);
  });

  test("a read not tied to the workspace fails: no filter, another value, an OR, a subquery, a CTE", () => {
    expect(findings(`SELECT count(*) FROM leads WHERE created_at > $1`, ["2026-01-01"])).toEqual([
      "leads leads is read without being tied to the workspace",
    ]);
    expect(findings(`SELECT count(*) FROM leads l WHERE l.workspace_id = $1`, ["another"])).toEqual([
      "leads l is read without being tied to the workspace",
    ]);
    expect(findings(`SELECT count(*) FROM leads l WHERE l.workspace_id = $1 OR l.status = 'won'`)).toEqual([
      "leads l is read without being tied to the workspace",
    ]);
    expect(
      findings(`SELECT count(*) FROM leads l WHERE l.workspace_id = $1 AND l.id IN (SELECT lead_id FROM activities)`),
    ).toEqual(["activities activities is read without being tied to the workspace"]);
    expect(
      findings(`WITH won AS (SELECT workspace_id, id FROM leads WHERE workspace_id = $1 AND status = 'won')
        SELECT count(*) FROM won w LEFT JOIN stage_events e ON e.lead_id = w.id`),
    ).toEqual([
      "stage_events e is read without being tied to the workspace",
      "stage_events e is joined to won w without matching workspace_id",
    ]);
  });

  test("the shapes Verity writes pass: USING, LATERAL, correlated subqueries, CTEs without workspace_id", () => {
    expect(
      findings(`SELECT count(*) FROM leads l JOIN stage_events e USING (workspace_id) WHERE l.workspace_id = $1`),
    ).toEqual([]);
    expect(
      findings(`SELECT l.id, x.n FROM leads l
        LEFT JOIN LATERAL (SELECT count(*) AS n FROM activities a WHERE a.workspace_id = l.workspace_id AND a.lead_id = l.id) x ON TRUE
        WHERE l.workspace_id = $1`),
    ).toEqual([]);
    expect(
      findings(`SELECT l.id FROM leads l WHERE l.workspace_id = $1
        AND EXISTS (SELECT 1 FROM activities a WHERE a.workspace_id = l.workspace_id AND a.lead_id = l.id)`),
    ).toEqual([]);
    // A CTE that kept no workspace_id, joined to a table tied to the workspace by its value.
    expect(
      findings(`WITH won AS (SELECT id, owner_id FROM leads WHERE workspace_id = $1 AND status = 'won')
        SELECT r.name, count(*) FROM won w LEFT JOIN reps r ON r.workspace_id = $1 AND r.id = w.owner_id GROUP BY r.name`),
    ).toEqual([]);
  });

  test("the check fails on a real metric statement with its workspace match taken out", () => {
    const funnel = statements.find((s) => s.file === "funnel.postgres.sql" && s.statement === "counts");
    if (!funnel) throw new Error("funnel's counts statement is pinned");
    const match = "cs.workspace_id = l.workspace_id AND ";
    expect(funnel.sql).toContain(match);
    const broken = funnel.sql.replace(match, "");
    expect(checkWorkspaceSql(broken, options(funnel.values)).findings).toEqual([
      "stages cs is read without being tied to the workspace",
      "stages cs is joined to leads l without matching workspace_id",
    ]);
  });
});
