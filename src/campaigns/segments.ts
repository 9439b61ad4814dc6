/**
 * Saved segments: a name, a definition (segment-definition.ts) and who made it. A segment is
 * dynamic: its definition is kept, never its members, and evaluated whenever it is previewed
 * or sent to. The names a definition refers to (stages, reps, teams, sources, loss reasons)
 * are checked against the workspace when it is saved and again when it is used, so a typo
 * is an error rather than a segment that quietly matches nobody.
 */
import { sql } from "../store/sql.js";
import type { Row, Store } from "../store/store.js";
import { type Condition, leaves, parseDefinition, SegmentError } from "./segment-definition.js";
import { type SegmentScope, segmentPeople } from "./segment-sql.js";

/** Lower-case letters, digits, - and _; starts with a letter or digit: safe in a URL and a shell. */
export const SEGMENT_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;

export type Segment = {
  name: string;
  description: string | null;
  definition: Condition;
  createdBy: string | null;
  createdAt: string;
  updatedAt: string;
};

export type SuppressionReason = "unsubscribed" | "bounced" | "complained" | "erased" | "manual";
export const SUPPRESSION_REASONS: readonly SuppressionReason[] = [
  "unsubscribed",
  "bounced",
  "complained",
  "erased",
  "manual",
];

export type SegmentPreview = {
  /** The moment relative windows were measured back from (ISO). */
  asOf: string;
  /** People the definition matches, with an opt-in or not. */
  matched: number;
  /** Of those, the contacts a campaign would be sent to: an opt-in recorded, nothing suppressing it. */
  mailable: number;
  /** Matched people with no recorded opt-in: never mailed. */
  withoutOptIn: number;
  /** Matched contacts with an opt-in who are suppressed, by reason. */
  suppressed: Record<SuppressionReason, number>;
  /** Up to `sample` mailable contacts (address masked and names left out unless the caller may see them). */
  sample: { address: string; firstName: string | null; lastName: string | null; company: string | null }[];
};

export function checkSegmentName(name: string, field = "name"): string {
  if (!SEGMENT_NAME.test(name)) {
    throw new SegmentError(
      `${JSON.stringify(name.slice(0, 80))} is not a segment name: use 1-63 lower-case letters, digits, - and _, starting with a letter or digit`,
      field,
    );
  }
  return name;
}

/** The distinct values of a column in the workspace, for "did you mean" lists. */
async function known(store: Store, workspace: string, query: "stage" | "rep" | "team" | "source" | "loss_reason") {
  const statements = {
    stage: sql`SELECT DISTINCT name AS v FROM stages WHERE workspace_id = ${workspace}`,
    rep: sql`SELECT DISTINCT name AS v FROM reps WHERE workspace_id = ${workspace}`,
    team: sql`SELECT DISTINCT team AS v FROM reps WHERE workspace_id = ${workspace} AND team IS NOT NULL`,
    source: sql`SELECT DISTINCT source_channel AS v FROM leads WHERE workspace_id = ${workspace} AND source_channel IS NOT NULL`,
    loss_reason: sql`SELECT DISTINCT loss_reason AS v FROM leads WHERE workspace_id = ${workspace} AND loss_reason IS NOT NULL`,
  };
  const rows = await store.query<{ v: string }>(statements[query]);
  return rows.map((r) => r.v).sort((a, b) => a.localeCompare(b));
}

function listed(values: readonly string[]): string {
  if (values.length === 0) return "the workspace has none";
  const shown = values.slice(0, 12).map((v) => JSON.stringify(v));
  return `known: ${shown.join(", ")}${values.length > 12 ? `, and ${values.length - 12} more` : ""}`;
}

/**
 * Checks every name a definition refers to against the workspace (ignoring case, as the
 * filters match). Owners may be named by rep id too.
 */
export async function checkAgainstWorkspace(
  store: Store,
  workspace: string,
  condition: Condition,
  base = "definition",
) {
  const cache = new Map<string, Promise<string[]>>();
  const values = (kind: Parameters<typeof known>[2]) => {
    let found = cache.get(kind);
    if (!found) {
      found = known(store, workspace, kind);
      cache.set(kind, found);
    }
    return found;
  };
  for (const { path, leaf } of leaves(condition, base)) {
    if (!("lead" in leaf)) continue;
    const f = leaf.lead;
    const checks: [keyof typeof f & string, string[] | undefined, Parameters<typeof known>[2], string][] = [
      ["stage", f.stage, "stage", "stage"],
      ["owner", f.owner, "rep", "rep"],
      ["team", f.team, "team", "team"],
      ["source", f.source, "source", "lead source"],
      ["loss_reason", f.loss_reason, "loss_reason", "loss reason"],
    ];
    for (const [key, wanted, kind, noun] of checks) {
      if (!wanted) continue;
      const have = await values(kind);
      const lower = new Set(have.map((v) => v.toLowerCase()));
      for (const [i, value] of wanted.entries()) {
        if (lower.has(value.toLowerCase())) continue;
        if (key === "owner") {
          const byId = await store.query(
            sql`SELECT 1 AS one FROM reps WHERE workspace_id = ${workspace} AND id = ${value}`,
          );
          if (byId.length > 0) continue;
        }
        throw new SegmentError(
          `no ${noun} is called ${JSON.stringify(value)} (${listed(have)})`,
          `${path}.lead.${key}[${i}]`,
        );
      }
    }
  }
}

type SegmentRow = Row & {
  name: string;
  description: string | null;
  definition: string;
  created_by: string | null;
  created_at: string;
  updated_at: string;
};

function segmentOf(row: SegmentRow): Segment {
  return {
    name: row.name,
    description: row.description,
    definition: parseDefinition(row.definition),
    createdBy: row.created_by,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export async function listSegments(store: Store, workspace: string): Promise<Segment[]> {
  const rows = await store.query<SegmentRow>(
    sql`SELECT name, description, definition, created_by, created_at, updated_at FROM segments
        WHERE workspace_id = ${workspace} ORDER BY name`,
  );
  return rows.map(segmentOf);
}

export async function findSegment(store: Store, workspace: string, name: string): Promise<Segment | null> {
  const [row] = await store.query<SegmentRow>(
    sql`SELECT name, description, definition, created_by, created_at, updated_at FROM segments
        WHERE workspace_id = ${workspace} AND name = ${name}`,
  );
  return row ? segmentOf(row) : null;
}

/** A saved segment, or an error naming the ones there are. */
export async function segmentNamed(store: Store, workspace: string, name: string): Promise<Segment> {
  const found = await findSegment(store, workspace, name);
  if (found) return found;
  const names = (await listSegments(store, workspace)).map((s) => s.name);
  throw new SegmentNotFound(name, names);
}

export class SegmentNotFound extends SegmentError {
  override name = "SegmentNotFound";
  constructor(
    readonly segment: string,
    names: readonly string[],
  ) {
    super(
      `there is no segment ${JSON.stringify(segment)} (${names.length === 0 ? "none is saved yet" : `segments: ${names.join(", ")}`})`,
      "segment",
    );
  }
}

export class SegmentExists extends SegmentError {
  override name = "SegmentExists";
  constructor(readonly segment: string) {
    super(`a segment called ${JSON.stringify(segment)} exists already (replace it to change it)`, "name");
  }
}

/**
 * Saves a segment after checking its name and definition (nothing is written when either is
 * wrong). An existing name is an error unless `replace`.
 */
export async function saveSegment(
  store: Store,
  workspace: string,
  input: { name: string; definition: unknown; description?: string | null },
  options: { by: string | null; replace?: boolean },
): Promise<Segment> {
  const name = checkSegmentName(input.name);
  const definition = parseDefinition(input.definition);
  await checkAgainstWorkspace(store, workspace, definition);
  const now = new Date().toISOString();
  const text = JSON.stringify(definition);
  const description = input.description?.trim() || null;
  return store.transaction(async () => {
    const existing = await findSegment(store, workspace, name);
    if (existing && !options.replace) throw new SegmentExists(name);
    if (existing) {
      await store.execute(
        sql`UPDATE segments SET definition = ${text}, description = ${description}, updated_at = CAST(${now} AS TIMESTAMP)
            WHERE workspace_id = ${workspace} AND name = ${name}`,
      );
    } else {
      await store.execute(
        sql`INSERT INTO segments (workspace_id, name, definition, description, created_by, created_at, updated_at)
            VALUES (${workspace}, ${name}, ${text}, ${description}, ${options.by}, CAST(${now} AS TIMESTAMP), CAST(${now} AS TIMESTAMP))`,
      );
    }
    return (await findSegment(store, workspace, name)) as Segment;
  });
}

/** Removes a saved segment; false when there was none by that name. */
export async function removeSegment(store: Store, workspace: string, name: string): Promise<boolean> {
  return store.transaction(async () => {
    if (!(await findSegment(store, workspace, name))) return false;
    await store.execute(sql`DELETE FROM segments WHERE workspace_id = ${workspace} AND name = ${name}`);
    return true;
  });
}

/** "an***@example.com": enough to recognise a contact in a sample, not to mail them. */
export function maskAddress(address: string): string {
  const at = address.lastIndexOf("@");
  if (at < 0) return "***";
  const local = address.slice(0, at);
  return `${local.slice(0, Math.min(2, Math.max(0, local.length - 1)))}***${address.slice(at)}`;
}

/**
 * Who a definition matches now: how many people, how many of them may be mailed, why the
 * others may not, and a sample of the mailable (ordered by hash: a stable sample that is
 * not the alphabet's first names).
 */
export async function previewSegment(
  store: Store,
  workspace: string,
  definition: Condition,
  options: { asOf?: Date; sample?: number; showAddresses: boolean },
): Promise<SegmentPreview> {
  await checkAgainstWorkspace(store, workspace, definition);
  const scope: SegmentScope = { workspace, asOf: options.asOf ?? new Date() };
  const people = segmentPeople(scope, definition, "everyone");
  const size = options.sample ?? 10;
  // One statement: the counts and the sample from one evaluation of the segment.
  const rows = await store.query<{
    kind: string;
    contact: boolean;
    suppressed: string | null;
    n: number;
    address: string | null;
    first_name: string | null;
    last_name: string | null;
    company: string | null;
  }>(
    sql`WITH m AS MATERIALIZED (${people})
        SELECT 'count' AS kind, (m.address IS NOT NULL) AS contact, m.suppressed, count(*) AS n,
          CAST(NULL AS TEXT) AS address, CAST(NULL AS TEXT) AS first_name, CAST(NULL AS TEXT) AS last_name,
          CAST(NULL AS TEXT) AS company, CAST(NULL AS TEXT) AS email_hash
        FROM m GROUP BY 2, 3
        UNION ALL
        SELECT 'sample', TRUE, CAST(NULL AS TEXT), 0, s.address, s.first_name, s.last_name, s.company, s.email_hash
        FROM (SELECT m.address, m.first_name, m.last_name, m.company, m.email_hash FROM m
              WHERE m.address IS NOT NULL AND m.suppressed IS NULL ORDER BY m.email_hash LIMIT ${size}) s
        ORDER BY 1, 9`,
  );
  const suppressed = Object.fromEntries(SUPPRESSION_REASONS.map((r) => [r, 0])) as Record<SuppressionReason, number>;
  let matched = 0;
  let mailable = 0;
  let withoutOptIn = 0;
  for (const g of rows.filter((r) => r.kind === "count")) {
    const n = Number(g.n);
    matched += n;
    if (!g.contact) withoutOptIn += n;
    else if (g.suppressed === null) mailable += n;
    else suppressed[g.suppressed as SuppressionReason] += n;
  }
  const sample = rows.filter((r) => r.kind === "sample") as {
    address: string;
    first_name: string | null;
    last_name: string | null;
    company: string | null;
  }[];
  return {
    asOf: scope.asOf.toISOString(),
    matched,
    mailable,
    withoutOptIn,
    suppressed,
    // A name and a company beside a masked address would often give the address away.
    sample: sample.map((r) =>
      options.showAddresses
        ? { address: r.address, firstName: r.first_name, lastName: r.last_name, company: r.company }
        : { address: maskAddress(r.address), firstName: null, lastName: null, company: null },
    ),
  };
}
