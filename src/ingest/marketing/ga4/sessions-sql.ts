/**
 * The SQL that turns GA4 events into canonical visits inside DuckDB. A GA4 export is large
 * (tens of millions of events a year for a busy site), so the engine reads the files and
 * groups the sessions in one pass; JavaScript only sees the few hundred bytes of counts.
 *
 * Layers: the raw files (JSON lines or Parquet) flattened to the same columns, each event's
 * parameters picked out of `event_params` (`eventsQuery`), written once to Parquet files split
 * by a hash of the visitor (`stageCopy`), then one GROUP BY per (user_pseudo_id,
 * ga_session_id) over each split in turn into `ga4_sessions`. Events that cannot join a
 * session are grouped too (their key has a NULL), so the one scan also counts what is skipped
 * and what is broken. The visits and identities files are COPYed from `ga4_sessions`.
 *
 * Why the split: the grouping's first-event values (arg_min of landing page, referrer,
 * campaigns) keep their strings in DuckDB's aggregate arenas, which DuckDB 1.5 cannot spill
 * to disk (duckdb/duckdb#14132); 4M sessions (20M events) need more than the 1 GB budget and
 * failed with "failed to pin block". Grouped one split at a time, each GROUP BY holds only its
 * visitors' sessions. Splitting by visitor keeps every session (and every visitor, for the
 * identities) whole, whichever daily file its events are in.
 *
 * Where the shape comes from: the export schema (support.google.com/analytics/answer/7029846,
 * developers.google.com/analytics/bigquery/event-schema) and the session key and parameters
 * dbt-ga4 reads (github.com/Velir/dbt-ga4, macros/base_select.sql).
 */

/** The campaign fields read from `collected_traffic_source` (newer exports, per event). */
export const COLLECTED_FIELDS = [
  ["manual_source", "source"],
  ["manual_medium", "medium"],
  ["manual_campaign_name", "campaign"],
  ["manual_content", "content"],
  ["manual_term", "term"],
] as const;

/** The user's first-touch acquisition, repeated on every event of theirs. */
export const FIRST_TOUCH_FIELDS = [
  ["source", "source"],
  ["medium", "medium"],
  ["name", "campaign"],
] as const;

const PARAM_VALUE = "STRUCT(string_value VARCHAR, int_value VARCHAR, float_value DOUBLE, double_value DOUBLE)";

/**
 * The columns read from the JSON lines, typed so that a field a file lacks reads as NULL
 * (older exports have no collected_traffic_source) and no sample is taken to infer types.
 * BigQuery writes INT64 as a JSON string and users' own extracts as numbers: reading both as
 * text and casting after takes either.
 */
export const JSON_COLUMNS = `{
  event_name: 'VARCHAR',
  event_timestamp: 'VARCHAR',
  user_pseudo_id: 'VARCHAR',
  user_id: 'VARCHAR',
  event_params: 'STRUCT(key VARCHAR, value ${PARAM_VALUE})[]',
  traffic_source: 'STRUCT(name VARCHAR, medium VARCHAR, source VARCHAR)',
  collected_traffic_source: 'STRUCT(${COLLECTED_FIELDS.map(([f]) => `${f} VARCHAR`).join(", ")})'
}`;

/**
 * Macros the statements share. `ga4_trim` trims what JavaScript's String.prototype.trim
 * trims (DuckDB's trim() takes spaces only), so the identity hash computed here equals
 * hashIdentity's (src/ingest/identity.ts).
 */
export const MACROS = [
  // A parameter's value by its key. `keys` is the params' keys, listed once per event: a
  // native list_position per parameter instead of a lambda over the list for each (the
  // conversion's largest cost when every parameter was a list_filter).
  "CREATE OR REPLACE MACRO ga4_param(params, keys, name) AS params[list_position(keys, name)].value",
  // A parameter's value as text, whichever of the four value fields the site sent it in.
  `CREATE OR REPLACE MACRO ga4_text(v) AS coalesce(v.string_value, CAST(v.int_value AS VARCHAR),
     CAST(v.double_value AS VARCHAR), CAST(v.float_value AS VARCHAR))`,
  String.raw`CREATE OR REPLACE MACRO ga4_trim(s) AS regexp_replace(s,
     '^[\t\n\x{0B}\f\r \x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}\x{FEFF}]+|[\t\n\x{0B}\f\r \x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}\x{FEFF}]+$',
     '', 'g')`,
  // GA4's placeholders for "no campaign" are no campaign.
  `CREATE OR REPLACE MACRO ga4_campaign(s) AS CASE WHEN trim(s) IN ('', '(direct)', '(none)', '(not set)', '(not provided)', '(organic)', '(referral)')
     THEN NULL ELSE s END`,
];

/** The JSON lines as flat columns ($json: the list of files). */
export function jsonSource(ignoreErrors: boolean): string {
  return `SELECT filename AS file, event_name, event_timestamp AS ts_text, user_pseudo_id, user_id, event_params,
    ${COLLECTED_FIELDS.map(([f, n]) => `collected_traffic_source.${f} AS cts_${n}`).join(", ")},
    ${FIRST_TOUCH_FIELDS.map(([f, n]) => `traffic_source.${f} AS ft_${n}`).join(", ")}
  FROM read_json($json, format = 'newline_delimited', filename = true, ignore_errors = ${ignoreErrors},
    columns = ${JSON_COLUMNS})`;
}

/** No events, in the flat columns the sources give (for the sessions table's shape). */
export const EMPTY_SOURCE = `SELECT NULL::VARCHAR AS file, NULL::VARCHAR AS event_name, NULL::VARCHAR AS ts_text,
    NULL::VARCHAR AS user_pseudo_id, NULL::VARCHAR AS user_id, NULL::STRUCT(key VARCHAR, value ${PARAM_VALUE})[] AS event_params,
    ${COLLECTED_FIELDS.map(([, n]) => `NULL::VARCHAR AS cts_${n}`).join(", ")},
    ${FIRST_TOUCH_FIELDS.map(([, n]) => `NULL::VARCHAR AS ft_${n}`).join(", ")}
  WHERE false`;

/**
 * The Parquet files as the same flat columns ($parquet: the list of files). `schema` is what
 * DESCRIBE says of them (column name to type): a column or nested field the export lacks
 * reads as NULL, as a JSON field does.
 */
export function parquetSource(schema: ReadonlyMap<string, string>): string {
  const column = (name: string) => (schema.has(name) ? `CAST(${name} AS VARCHAR)` : "CAST(NULL AS VARCHAR)");
  const field = (struct: string, name: string) =>
    new RegExp(`\\b${name}\\b`).test(schema.get(struct) ?? "")
      ? `CAST(${struct}.${name} AS VARCHAR)`
      : "CAST(NULL AS VARCHAR)";
  const params = schema.has("event_params")
    ? `list_transform(event_params, p -> {key: p.key, value: {string_value: ${paramField("string_value", schema)},
        int_value: ${paramField("int_value", schema)}, float_value: ${paramField("float_value", schema)},
        double_value: ${paramField("double_value", schema)}}})`
    : `CAST(NULL AS STRUCT(key VARCHAR, value ${PARAM_VALUE})[])`;
  return `SELECT filename AS file, ${column("event_name")} AS event_name, ${column("event_timestamp")} AS ts_text,
    ${column("user_pseudo_id")} AS user_pseudo_id, ${column("user_id")} AS user_id, ${params} AS event_params,
    ${COLLECTED_FIELDS.map(([f, n]) => `${field("collected_traffic_source", f)} AS cts_${n}`).join(", ")},
    ${FIRST_TOUCH_FIELDS.map(([f, n]) => `${field("traffic_source", f)} AS ft_${n}`).join(", ")}
  FROM read_parquet($parquet, filename = true, union_by_name = true)`;
}

function paramField(name: string, schema: ReadonlyMap<string, string>): string {
  const present = new RegExp(`\\b${name}\\b`).test(schema.get("event_params") ?? "");
  const type = name.endsWith("_value") && name !== "string_value" && name !== "int_value" ? "DOUBLE" : "VARCHAR";
  return present ? `CAST(p.value.${name} AS ${type})` : `CAST(NULL AS ${type})`;
}

/** The smallest and largest event_timestamp taken: 2000-01-01 up to 2200, in microseconds. */
export const TIMESTAMP_RANGE = { min: 946_684_800_000_000n, max: 7_258_118_400_000_000n };

/** Whether an event has a name and a usable timestamp (Parquet's columns, for naming broken rows). */
export function eventOk(name: string, timestamp: string): string {
  return `coalesce(nullif(trim(CAST(${name} AS VARCHAR)), '') IS NOT NULL
    AND TRY_CAST(CAST(${timestamp} AS VARCHAR) AS BIGINT) BETWEEN ${TIMESTAMP_RANGE.min} AND ${TIMESTAMP_RANGE.max}, false)`;
}

/**
 * One row per event with what a visit needs. `ok` is false for a broken event (no name, or a
 * timestamp that is not microseconds since 1970 in range): the import refuses those.
 */
export function eventsQuery(source: string): string {
  return `SELECT *,
      ts IS NOT NULL AND event_name IS NOT NULL AS ok,
      -- The order of events within a session: time first; at the same microsecond (GA4 sends
      -- session_start, first_visit and the first page_view in one batch) session_start first.
      ts * 4 + CASE event_name WHEN 'session_start' THEN 0 WHEN 'first_visit' THEN 1 WHEN 'page_view' THEN 2 ELSE 3 END AS k
    FROM (
      SELECT file,
        nullif(trim(event_name), '') AS event_name,
        ts_text,
        CASE WHEN TRY_CAST(ts_text AS BIGINT) BETWEEN ${TIMESTAMP_RANGE.min} AND ${TIMESTAMP_RANGE.max}
          THEN TRY_CAST(ts_text AS BIGINT) END AS ts,
        nullif(trim(user_pseudo_id), '') AS visitor,
        nullif(ga4_trim(user_id), '') AS user_id,
        nullif(trim(ga4_text(ga4_param(event_params, keys, 'ga_session_id'))), '') AS session_id,
        TRY_CAST(ga4_text(ga4_param(event_params, keys, 'ga_session_number')) AS BIGINT) AS session_number,
        nullif(ga4_text(ga4_param(event_params, keys, 'page_location')), '') AS page_location,
        nullif(ga4_text(ga4_param(event_params, keys, 'page_referrer')), '') AS page_referrer,
        ${COLLECTED_FIELDS.map(([, n]) => `ga4_campaign(cts_${n}) AS cts_${n}`).join(", ")},
        ${COLLECTED_FIELDS.map(([, n]) => `ga4_campaign(ga4_text(ga4_param(event_params, keys, '${n}'))) AS ep_${n}`).join(", ")},
        ${FIRST_TOUCH_FIELDS.map(([, n]) => `ga4_campaign(ft_${n}) AS ft_${n}`).join(", ")}
      FROM (SELECT *, list_transform(event_params, p -> p.key) AS keys FROM (${source}))
    )`;
}

const CAMPAIGN_PARTS = COLLECTED_FIELDS.map(([, n]) => n);

/**
 * Copies the events (`events`: eventsQuery's rows) to Parquet files under `target`, one
 * directory `bucket=N` per split of the visitors (`buckets` of them, by a hash of the visitor
 * salted with `salt`, so that a split can be split again independently). Only the columns the
 * grouping reads. Small row groups: the writer holds one per open split.
 */
export function stageCopy(events: string, target: string, buckets: number, salt: number): string {
  return `COPY (
    SELECT * EXCLUDE (file, ts_text), CAST(hash(visitor, ${salt}) % ${buckets} AS INTEGER) AS bucket FROM (${events})
  ) TO ${literal(target)} (FORMAT parquet, PARTITION_BY (bucket), ROW_GROUP_SIZE 16384)`;
}

/** The staged events of some Parquet files ($staged: the list of files). */
export const STAGED_SOURCE = "SELECT * FROM read_parquet($staged, hive_partitioning = false)";

/**
 * One row per (user_pseudo_id, ga_session_id), and one per visitor for the events without a
 * session (and one for events without a visitor). Aggregates over `ok` events only; broken
 * ones are counted. `events`: staged events of whole visitors (see stageCopy).
 */
export function sessionsQuery(events: string): string {
  const campaign = (prefix: string) => `{${CAMPAIGN_PARTS.map((n) => `${n}: ${prefix}_${n}`).join(", ")}}`;
  const anyOf = (prefix: string, parts: readonly string[]) =>
    parts.map((n) => `${prefix}_${n} IS NOT NULL`).join(" OR ");
  return `SELECT visitor, session_id,
      count(*) FILTER (WHERE NOT ok) AS broken,
      count(*) FILTER (WHERE ok) AS events,
      count(*) FILTER (WHERE ok AND event_name = 'page_view') AS pageviews,
      min(ts) FILTER (WHERE ok) AS started,
      coalesce(
        arg_min(page_location, k) FILTER (WHERE ok AND event_name = 'page_view' AND page_location IS NOT NULL),
        arg_min(page_location, k) FILTER (WHERE ok AND page_location IS NOT NULL)) AS landing_url,
      arg_min({ts: ts, referrer: page_referrer}, k) FILTER (WHERE ok AND page_referrer IS NOT NULL) AS first_referrer,
      arg_min(${campaign("cts")}, k) FILTER (WHERE ok AND (${anyOf("cts", CAMPAIGN_PARTS)})) AS collected,
      arg_min(${campaign("ep")}, k) FILTER (WHERE ok AND (${anyOf("ep", CAMPAIGN_PARTS)})) AS params,
      arg_min({source: ft_source, medium: ft_medium, campaign: ft_campaign}, k)
        FILTER (WHERE ok AND (${anyOf("ft", ["source", "medium", "campaign"])})) AS first_touch,
      min(session_number) FILTER (WHERE ok) AS session_number,
      list(DISTINCT user_id) FILTER (WHERE ok AND user_id IS NOT NULL) AS user_ids,
      min(ts) FILTER (WHERE ok AND user_id IS NOT NULL) AS identified_at
    FROM (${events})
    GROUP BY visitor, session_id`;
}

/** What the sessions table says about the whole export. */
export const COUNTS_QUERY = `SELECT
    coalesce(sum(broken), 0) AS broken,
    coalesce(sum(events) FILTER (WHERE visitor IS NULL), 0) AS without_visitor,
    coalesce(sum(events) FILTER (WHERE visitor IS NOT NULL AND session_id IS NULL), 0) AS without_session,
    count(*) FILTER (WHERE visitor IS NOT NULL AND session_id IS NOT NULL AND events > 0) AS visits,
    count(*) FILTER (WHERE visitor IS NOT NULL AND session_id IS NOT NULL AND collected IS NULL AND params IS NULL
      AND first_touch IS NOT NULL AND session_number = 1) AS first_touch_used
  FROM ga4_sessions`;

const SESSION = "visitor IS NOT NULL AND session_id IS NOT NULL AND events > 0";

/** ISO 8601 in UTC from microseconds since 1970. */
const iso = (micros: string) => `strftime(make_timestamp(${micros}), '%Y-%m-%dT%H:%M:%S.%fZ')`;

export const VISIT_COLUMNS = [
  "visit_id",
  "visitor_id",
  "started_at",
  "landing_url",
  "referrer",
  ...CAMPAIGN_PARTS.map((n) => `utm_${n}`),
  "pageviews",
] as const;

/**
 * The canonical visits. Campaign: the session's first event that carries one, from
 * collected_traffic_source, else from the event_params source/medium/campaign/content/term;
 * for the visitor's first session (ga_session_number 1) without either, the first-touch
 * traffic_source, which is that session's by definition.
 */
export function visitsCopy(target: string): string {
  const utm = CAMPAIGN_PARTS.map((n) => {
    const firstTouch = n === "source" || n === "medium" || n === "campaign";
    const fallback = firstTouch
      ? `CASE WHEN collected IS NULL AND params IS NULL AND session_number = 1 THEN first_touch.${n} END`
      : "NULL";
    return `CASE WHEN collected IS NOT NULL THEN collected.${n} WHEN params IS NOT NULL THEN params.${n} ELSE ${fallback} END AS utm_${n}`;
  });
  return `COPY (
    SELECT 'ga4:' || visitor || ':' || session_id AS visit_id,
      visitor AS visitor_id,
      ${iso("started")} AS started_at,
      landing_url,
      CASE WHEN first_referrer.ts = started THEN first_referrer.referrer END AS referrer,
      ${utm.join(",\n      ")},
      pageviews
    FROM ga4_sessions WHERE ${SESSION}
  ) TO ${literal(target)} (FORMAT csv, HEADER true)`;
}

export const IDENTITY_COLUMNS = ["visitor_id", "email_hash", "visit_id", "identified_at"] as const;

/**
 * One identity per (user_pseudo_id, user_id): the hash of the user_id as hashIdentity makes
 * it, in the visit where that pair first appears. (A second user_id in the same session gets
 * the time of the session's first identified event.)
 */
export function identitiesCopy(target: string): string {
  return `COPY (
    SELECT visitor AS visitor_id,
      email_hash,
      arg_min('ga4:' || visitor || ':' || session_id, identified_at) AS visit_id,
      ${iso("min(identified_at)")} AS identified_at
    FROM (
      SELECT visitor, session_id, identified_at, sha256(lower(unnest(user_ids))) AS email_hash
      FROM ga4_sessions WHERE ${SESSION}
    )
    GROUP BY visitor, email_hash
  ) TO ${literal(target)} (FORMAT csv, HEADER true)`;
}

/** A file path as an SQL string literal (COPY's target cannot be a bound parameter). */
function literal(path: string): string {
  return `'${path.replaceAll("'", "''")}'`;
}
