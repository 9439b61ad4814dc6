/**
 * Verity's canonical data model, declared once.
 *
 * Every entity METRICS.md reads ("Data the metrics read") is one table here. The same
 * declaration drives the canonical CSV format (one file per table, the columns below in this
 * order), the import validation, the staging tables of the bulk loaders and the simulator's
 * writer, so the file format, the checks and the database cannot drift apart.
 *
 * Times are UTC. In files they are ISO 8601 (`2025-03-01T09:30:00Z`, `2025-03-01 09:30:00`,
 * or a date alone); an explicit offset (`+02:00`) is converted to UTC. Money is a decimal
 * with up to two fraction digits plus an ISO 4217 currency code.
 */

export type ColumnType = "text" | "timestamp" | "integer" | "decimal" | "boolean";

/**
 * The written forms of a time that files and the API take: a date alone, or a date and a time
 * (`T` or a space between; minutes, seconds and up to six fraction digits), with `Z` or an
 * offset (`+02:00`, `+0200`, `+02`) or none (UTC). What both engines read the same.
 */
export const TIMESTAMP_TEXT =
  /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?$/;

export type Column = {
  name: string;
  type: ColumnType;
  /** A value must be present (not an empty cell). */
  required?: boolean;
  /** The value must be one of these (text columns). */
  oneOf?: readonly string[];
  /** Smallest allowed value (integer and decimal columns). */
  min?: number;
  /** Largest allowed value (integer and decimal columns), where the stored type is narrower than the file's. */
  max?: number;
  /** Stored when the cell is empty: a constant, or `{ column }` to copy another column of the row. */
  default?: string | boolean | { column: string };
  /** The value must be the key of a row of this table (in the same import or already stored). */
  references?: TableName;
  /**
   * An empty cell keeps the stored value instead of clearing it: the column is also written by
   * Verity (a visit linked to its lead through an identity), which a source does not know.
   */
  keepWhenEmpty?: boolean;
  /** One line for the README's format table. */
  doc: string;
};

export type Table = {
  name: TableName;
  /** The canonical file name inside an import directory. */
  file: string;
  /** The columns that identify a row within a workspace (upsert key). */
  key: readonly string[];
  columns: readonly Column[];
  /**
   * Delete stored rows of the same parent that the new file no longer has (a lead's stage
   * history is replaced as a whole by a later export of it).
   */
  replaceByParent?: string;
  /**
   * Rules across columns. `failsWhen` is an SQL condition over the row's columns that is
   * true for a bad row (written here, never from input); `column` is the one to blame.
   */
  checks?: readonly { column: string; failsWhen: string; reason: string }[];
  /**
   * Columns Verity derives at ingest and stores beside the file's columns (never read from
   * files). Their values are computed in SQL after the load.
   */
  derived?: readonly Column[];
  doc: string;
};

export const LEAD_STATUSES = ["open", "won", "lost", "cancelled"] as const;
export type LeadStatus = (typeof LEAD_STATUSES)[number];

/** Where a lead came from (METRICS.md, lead.source channel). Social networks are `social:NETWORK`. */
export const SOURCE_CHANNELS = [
  "website",
  "social:linkedin",
  "social:twitter",
  "social:facebook",
  "social:instagram",
  "social:youtube",
  "social:other",
  "newsletter",
  "paid",
  "referral",
  "outbound",
  "event",
  "other",
] as const;
export type SourceChannel = (typeof SOURCE_CHANNELS)[number];

export const SOCIAL_NETWORKS = ["linkedin", "twitter", "facebook", "instagram", "youtube", "other"] as const;

export const ACTIVITY_TYPES = ["call", "email", "meeting", "demo", "note", "task", "other"] as const;
export const STAGE_KINDS = ["open", "won", "lost"] as const;
export const EMAIL_EVENT_TYPES = ["sent", "open", "click", "unsubscribe", "bounce"] as const;

// The names typed as the five literals, so that ColumnName lists them.
const utm = (prefix: string) =>
  (["source", "medium", "campaign", "content", "term"] as const).map((part) => ({
    name: `utm_${part}` as const,
    type: "text" as const,
    doc: `utm_${part} of the ${prefix}`,
  }));

export const TABLES = {
  reps: {
    name: "reps",
    file: "reps.csv",
    key: ["id"],
    doc: "Sales reps (CRM users) and the team they belong to.",
    columns: [
      { name: "id", type: "text", required: true, doc: "rep id, unique in the workspace" },
      {
        name: "external_id",
        type: "text",
        default: { column: "id" },
        doc: "the id in the source CRM, if it differs from id",
      },
      { name: "name", type: "text", required: true, doc: "display name" },
      { name: "email", type: "text", doc: "work email" },
      { name: "team", type: "text", doc: "team (or manager) the rep reports to" },
      { name: "region", type: "text", doc: "region or office" },
      { name: "active", type: "boolean", default: true, doc: "true or false; empty means true" },
    ],
  },
  pipelines: {
    name: "pipelines",
    file: "pipelines.csv",
    key: ["id"],
    doc: "Sales pipelines.",
    columns: [
      { name: "id", type: "text", required: true, doc: "pipeline id" },
      { name: "name", type: "text", required: true, doc: "display name" },
    ],
  },
  stages: {
    name: "stages",
    file: "stages.csv",
    key: ["id"],
    doc: "The ordered stages of each pipeline. One stage per pipeline may be the qualifying one.",
    columns: [
      { name: "id", type: "text", required: true, doc: "stage id, unique in the workspace" },
      { name: "pipeline_id", type: "text", required: true, references: "pipelines", doc: "pipeline" },
      { name: "name", type: "text", required: true, doc: "display name" },
      {
        name: "position",
        type: "integer",
        required: true,
        min: 0,
        // Stored as a 32-bit INTEGER.
        max: 2_147_483_647,
        doc: "order in the pipeline, ascending",
      },
      {
        name: "is_qualifying",
        type: "boolean",
        default: false,
        doc: "true for the stage whose reach makes a lead qualified",
      },
      {
        name: "kind",
        type: "text",
        oneOf: STAGE_KINDS,
        default: "open",
        doc: "open (default), or won / lost for CRMs that model closing as a stage",
      },
    ],
  },
  leads: {
    name: "leads",
    file: "leads.csv",
    key: ["id"],
    doc: "Leads (opportunities, deals) with their current state and first touch.",
    columns: [
      { name: "id", type: "text", required: true, doc: "lead id" },
      {
        name: "external_id",
        type: "text",
        default: { column: "id" },
        doc: "the id in the source CRM, if it differs from id",
      },
      { name: "name", type: "text", doc: "deal title" },
      { name: "account", type: "text", doc: "company" },
      { name: "contact", type: "text", doc: "contact person (email or id)" },
      { name: "owner_id", type: "text", references: "reps", doc: "owning rep" },
      { name: "pipeline_id", type: "text", required: true, references: "pipelines", doc: "pipeline" },
      { name: "stage_id", type: "text", references: "stages", doc: "current stage" },
      { name: "status", type: "text", required: true, oneOf: LEAD_STATUSES, doc: "open, won, lost or cancelled" },
      { name: "created_at", type: "timestamp", required: true, doc: "when the lead was created" },
      { name: "qualified_at", type: "timestamp", doc: "when it was qualified, if it was" },
      { name: "closed_at", type: "timestamp", doc: "when it was won, lost or cancelled" },
      { name: "value", type: "decimal", min: 0, doc: "deal value (for lost leads: the value at stake)" },
      { name: "currency", type: "text", doc: "ISO 4217 code of value" },
      { name: "loss_reason", type: "text", doc: "why it was lost" },
      { name: "competitor", type: "text", doc: "competitor it was lost to" },
      {
        name: "source_channel",
        type: "text",
        oneOf: SOURCE_CHANNELS,
        doc: "website, social:NETWORK, newsletter, paid, referral, outbound, event or other",
      },
      ...utm("lead's first touch"),
    ],
    derived: [
      {
        name: "reached_qualifying_at",
        type: "timestamp",
        doc: "when its stage history first reached the qualifying stage or a later one (a skipped stage counts as passed)",
      },
      { name: "furthest_position", type: "integer", doc: "position of the furthest open stage it ever entered" },
      { name: "last_event_at", type: "timestamp", doc: "when its latest stage event happened" },
      { name: "last_event_stage_id", type: "text", doc: "the stage its latest stage event moved it to" },
      { name: "first_activity_at", type: "timestamp", doc: "when its first activity happened (any rep, any type)" },
      { name: "last_activity_at", type: "timestamp", doc: "when its latest activity happened (any rep, any type)" },
      {
        name: "last_activity_type",
        type: "text",
        doc: "the type of its latest activity (of several at that moment, the first by name)",
      },
      {
        name: "contact_hash",
        type: "text",
        doc: "SHA-256 of its contact, trimmed and lower-cased (as subscribers are kept)",
      },
      ...ACTIVITY_TYPES.map((type) => ({
        name: `activity_${type}s`,
        type: "integer" as const,
        doc: `its ${type} activities, over its whole life (0 without any)`,
      })),
    ],
    checks: [
      {
        column: "closed_at",
        failsWhen: "status <> 'open' AND closed_at IS NULL",
        reason: "a won, lost or cancelled lead needs closed_at",
      },
      {
        column: "closed_at",
        failsWhen: "status = 'open' AND closed_at IS NOT NULL",
        reason: "an open lead has no closed_at",
      },
      { column: "closed_at", failsWhen: "closed_at < created_at", reason: "closed_at is before created_at" },
      { column: "qualified_at", failsWhen: "qualified_at < created_at", reason: "qualified_at is before created_at" },
      { column: "currency", failsWhen: "value IS NOT NULL AND currency IS NULL", reason: "a value needs its currency" },
      {
        column: "currency",
        failsWhen: "currency IS NOT NULL AND (length(currency) <> 3 OR upper(currency) <> currency)",
        reason: "currency must be a three-letter ISO 4217 code such as EUR",
      },
    ],
  },
  stage_events: {
    name: "stage_events",
    file: "stage_events.csv",
    key: ["lead_id", "changed_at", "to_stage_id"],
    replaceByParent: "lead_id",
    doc: "Every stage change of a lead. Importing a lead's events replaces its stored history.",
    columns: [
      { name: "lead_id", type: "text", required: true, references: "leads", doc: "lead" },
      { name: "from_stage_id", type: "text", references: "stages", doc: "stage left (empty for the first)" },
      { name: "to_stage_id", type: "text", required: true, references: "stages", doc: "stage entered" },
      { name: "changed_at", type: "timestamp", required: true, doc: "when" },
      { name: "rep_id", type: "text", references: "reps", doc: "who moved it" },
    ],
  },
  activities: {
    name: "activities",
    file: "activities.csv",
    key: ["id"],
    doc: "Calls, emails, meetings, demos, notes and tasks logged by reps.",
    columns: [
      { name: "id", type: "text", required: true, doc: "activity id" },
      {
        name: "external_id",
        type: "text",
        default: { column: "id" },
        doc: "the id in the source CRM, if it differs from id",
      },
      { name: "lead_id", type: "text", references: "leads", doc: "lead it belongs to (optional)" },
      { name: "contact", type: "text", doc: "contact it was with" },
      { name: "rep_id", type: "text", references: "reps", doc: "rep who logged it" },
      {
        name: "type",
        type: "text",
        required: true,
        oneOf: ACTIVITY_TYPES,
        doc: "call, email, meeting, demo, note, task or other",
      },
      { name: "occurred_at", type: "timestamp", required: true, doc: "when it happened" },
      { name: "duration_seconds", type: "integer", min: 0, doc: "length" },
      { name: "outcome", type: "text", doc: "result (connected, no answer, ...)" },
      { name: "note", type: "text", doc: "the note text" },
    ],
  },
  visits: {
    name: "visits",
    file: "visits.csv",
    key: ["visit_id"],
    doc: "Website visits (sessions). Visit number and seconds since the previous visit are derived at ingest.",
    columns: [
      { name: "visit_id", type: "text", required: true, doc: "visit id" },
      { name: "visitor_id", type: "text", required: true, doc: "anonymous visitor id (or a known contact)" },
      { name: "started_at", type: "timestamp", required: true, doc: "start of the visit" },
      { name: "landing_url", type: "text", doc: "first page" },
      { name: "referrer", type: "text", doc: "referrer URL" },
      ...utm("visit"),
      { name: "pageviews", type: "integer", min: 0, doc: "pages viewed" },
      {
        name: "converted_lead_id",
        type: "text",
        references: "leads",
        keepWhenEmpty: true,
        doc: "lead created on this visit (empty keeps a link Verity made from an identity)",
      },
    ],
    derived: [
      { name: "visit_number", type: "integer", doc: "1 for the visitor's first visit, 2 for the next, ..." },
      {
        name: "seconds_since_previous",
        type: "integer",
        doc: "seconds since the start of the visitor's previous visit (empty on the first)",
      },
    ],
  },
  visit_days: {
    name: "visit_days",
    file: "visit_days.csv",
    key: ["day"],
    doc: "Daily website totals from an aggregate-only analytics export (Plausible's): counted in the website-visits vanity figure for days no visit is loaded; frequency and recency need each visit with its visitor, so no per-visitor metric reads them.",
    columns: [
      { name: "day", type: "timestamp", required: true, doc: "the day (UTC), as a date" },
      { name: "visitors", type: "integer", min: 0, doc: "unique visitors that day" },
      { name: "visits", type: "integer", required: true, min: 0, doc: "visits (sessions) that day" },
      { name: "pageviews", type: "integer", min: 0, doc: "pageviews that day" },
    ],
    checks: [
      {
        column: "day",
        failsWhen: "day <> CAST(CAST(day AS DATE) AS TIMESTAMP)",
        reason: "day must be a date (midnight UTC), not a time of day",
      },
      { column: "visitors", failsWhen: "visitors > visits", reason: "more visitors than visits" },
    ],
  },
  visitor_identities: {
    name: "visitor_identities",
    file: "visitor_identities.csv",
    key: ["visitor_id", "email_hash"],
    doc: "Who a website visitor is: the visit in which they gave an email or a CRM id (an identify call, a form, a login). Links their visits to the lead with the same contact.",
    columns: [
      { name: "visitor_id", type: "text", required: true, doc: "the visitor, as in visits.csv" },
      {
        name: "email_hash",
        type: "text",
        required: true,
        doc: "SHA-256 (lower-case hex) of the email or CRM contact id, trimmed and lower-cased (as leads' contacts are hashed)",
      },
      {
        name: "visit_id",
        type: "text",
        required: true,
        references: "visits",
        doc: "the visit in which they identified",
      },
      { name: "identified_at", type: "timestamp", required: true, doc: "when" },
    ],
    checks: [
      {
        column: "email_hash",
        failsWhen: "length(email_hash) <> 64 OR email_hash <> lower(email_hash)",
        reason:
          "email_hash must be a SHA-256 in lower-case hex (64 characters); Verity never stores an address in clear text",
      },
    ],
  },
  social_posts: {
    name: "social_posts",
    file: "social_posts.csv",
    key: ["id"],
    doc: "Posts on social networks.",
    columns: [
      { name: "id", type: "text", required: true, doc: "post id" },
      { name: "network", type: "text", required: true, oneOf: SOCIAL_NETWORKS, doc: "linkedin, twitter, ..." },
      { name: "published_at", type: "timestamp", required: true, doc: "when it was published" },
      { name: "url", type: "text", doc: "link to the post" },
      { name: "utm_campaign", type: "text", doc: "campaign its links carry" },
    ],
  },
  social_post_snapshots: {
    name: "social_post_snapshots",
    file: "social_post_snapshots.csv",
    key: ["post_id", "captured_at"],
    doc: "Cumulative shares and impressions of a post, as read at a time.",
    columns: [
      { name: "post_id", type: "text", required: true, references: "social_posts", doc: "post" },
      { name: "captured_at", type: "timestamp", required: true, doc: "when read" },
      { name: "shares", type: "integer", min: 0, doc: "shares so far" },
      { name: "impressions", type: "integer", min: 0, doc: "impressions so far" },
    ],
  },
  social_follower_snapshots: {
    name: "social_follower_snapshots",
    file: "social_follower_snapshots.csv",
    key: ["network", "captured_at"],
    // Followers belong to the company's account on a network, not to a post, so they are
    // snapshotted per network.
    doc: "Followers of the company's account on a network, as read at a time.",
    columns: [
      { name: "network", type: "text", required: true, oneOf: SOCIAL_NETWORKS, doc: "network" },
      { name: "captured_at", type: "timestamp", required: true, doc: "when read" },
      { name: "followers", type: "integer", required: true, min: 0, doc: "followers then" },
    ],
  },
  newsletter_subscribers: {
    name: "newsletter_subscribers",
    file: "newsletter_subscribers.csv",
    key: ["id"],
    doc: "Newsletter subscribers.",
    columns: [
      { name: "id", type: "text", required: true, doc: "subscriber id" },
      {
        name: "email_hash",
        type: "text",
        doc: "SHA-256 (hex) of the address, trimmed and lower-cased (links to leads; stored in lower case)",
      },
      { name: "subscribed_at", type: "timestamp", required: true, doc: "when they subscribed" },
      { name: "unsubscribed_at", type: "timestamp", doc: "when they left, if they did" },
    ],
    checks: [
      {
        column: "unsubscribed_at",
        failsWhen: "unsubscribed_at < subscribed_at",
        reason: "unsubscribed_at is before subscribed_at",
      },
    ],
  },
  newsletter_issues: {
    name: "newsletter_issues",
    file: "newsletter_issues.csv",
    key: ["id"],
    doc: "Newsletter issues sent.",
    columns: [
      { name: "id", type: "text", required: true, doc: "issue id" },
      { name: "sent_at", type: "timestamp", required: true, doc: "when it was sent" },
      { name: "subject", type: "text", doc: "subject line" },
      { name: "utm_campaign", type: "text", doc: "campaign its links carry" },
    ],
  },
  email_events: {
    name: "email_events",
    file: "email_events.csv",
    key: ["subscriber_id", "issue_id", "type", "occurred_at"],
    doc: "What each subscriber did with each issue.",
    columns: [
      { name: "subscriber_id", type: "text", required: true, references: "newsletter_subscribers", doc: "subscriber" },
      { name: "issue_id", type: "text", required: true, references: "newsletter_issues", doc: "issue" },
      {
        name: "type",
        type: "text",
        required: true,
        oneOf: EMAIL_EVENT_TYPES,
        doc: "sent, open, click, unsubscribe or bounce",
      },
      { name: "occurred_at", type: "timestamp", required: true, doc: "when" },
      { name: "url", type: "text", doc: "link clicked" },
    ],
  },
} as const satisfies Record<string, Table>;

export type TableName =
  | "reps"
  | "pipelines"
  | "stages"
  | "leads"
  | "stage_events"
  | "activities"
  | "visits"
  | "visit_days"
  | "visitor_identities"
  | "social_posts"
  | "social_post_snapshots"
  | "social_follower_snapshots"
  | "newsletter_subscribers"
  | "newsletter_issues"
  | "email_events";

/** Tables in load order: every table comes after the tables it references. */
export const TABLE_ORDER: readonly TableName[] = [
  "reps",
  "pipelines",
  "stages",
  "leads",
  "stage_events",
  "activities",
  "visits",
  "visit_days",
  "visitor_identities",
  "social_posts",
  "social_post_snapshots",
  "social_follower_snapshots",
  "newsletter_subscribers",
  "newsletter_issues",
  "email_events",
];

export function table(name: TableName): Table {
  return TABLES[name];
}

/** The name of a column of a table's files. */
export type ColumnName<T extends TableName> = (typeof TABLES)[T]["columns"][number]["name"];

/**
 * A table's file columns in order, less those in `except`: for code that maps or writes
 * them, so the list is not written again (importers, the mapping file, the simulator).
 */
export function columnNames<T extends TableName, E extends ColumnName<T> = never>(
  name: T,
  except: readonly E[] = [],
): Exclude<ColumnName<T>, E>[] {
  const columns = TABLES[name].columns as readonly Column[];
  return columns.map((c) => c.name).filter((c) => !(except as readonly string[]).includes(c)) as Exclude<
    ColumnName<T>,
    E
  >[];
}

/** The source system of Verity's own canonical files (and of the simulator). */
export const CANONICAL_SOURCE = "verity";
