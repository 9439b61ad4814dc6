/**
 * listmonk: the subscribers export (Subscribers > Export, or GET /api/subscribers/export: a
 * CSV of uuid, email, name, attributes, status, created_at, updated_at, as listmonk's
 * cmd/subscribers.go writes it) and the campaigns as its API lists them (GET /api/campaigns,
 * saved as JSON), into newsletter_subscribers and newsletter_issues. Sources and choices are
 * documented in docs/import-formats.md (listmonk).
 *
 * - A subscriber is `listmonk:<uuid>`; the address is hashed (hashIdentity), never kept or
 *   echoed; name and attributes are not read.
 * - subscribed_at = created_at. Status `enabled` is subscribed; `blocklisted` and `disabled`
 *   no longer receive campaigns: unsubscribed_at = updated_at (the export has no time of the
 *   change; its last update is the closest it gives).
 * - Times are Go's time.String() (`2024-03-01 10:15:30.123456 +0000 UTC`): the offset is read.
 * - Campaigns: `listmonk:<id>`, sent at started_at, subject; campaigns never started
 *   (drafts, scheduled) are skipped and counted.
 * - Not in these exports: per-list subscription status (an unsubscribe from a list leaves the
 *   subscriber enabled), and who viewed or clicked which campaign (listmonk keeps views and
 *   clicks by its internal subscriber id, and its API gives only daily counts): no email_events.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { CanonicalTables } from "../../crm/canonical-tables.js";
import { Problems } from "../../crm/problems.js";
import { decode, parseSourceText, type SourceFile, type SourceRow } from "../../crm/source-file.js";
import { parseTimestamp } from "../../crm/values.js";
import { hashIdentity } from "../../identity.js";
import { ImportError } from "../../import-error.js";
import type { FileSample, FormatOptions, Importer, PreparedImport } from "../../importer.js";

export const LISTMONK_SOURCE = "listmonk";

/** The subscribers export's header, as listmonk writes it. */
export const SUBSCRIBER_COLUMNS = ["uuid", "email", "name", "attributes", "status", "created_at", "updated_at"];

/** Campaign fields only listmonk's campaign objects have together. */
const CAMPAIGN_FIELDS = ["uuid", "subject", "to_send", "content_type"];

const STATUSES = new Set(["enabled", "disabled", "blocklisted"]);

export const listmonkImporter: Importer = {
  format: "listmonk",
  description: "listmonk subscribers export (CSV) and campaigns (the API's JSON)",
  async prepare(paths, options): Promise<PreparedImport> {
    const tables = new CanonicalTables();
    try {
      const problems = new Problems(options.collectProblems === true);
      const { csv, json } = await filesOf(paths);
      if (csv.length === 0 && json.length === 0) {
        throw new ImportError(paths.join(", "), null, null, "no listmonk subscribers.csv or campaigns JSON found");
      }
      for (const file of json) await readCampaigns(file, tables, problems);
      for (const file of csv) await readSubscribers(file, tables, problems, options);
      tables.note(
        "listmonk's exports hold no per-subscriber views or clicks, and no per-list subscription status: newsletter clicks cannot link subscribers to leads, and an unsubscribe from a list is not seen (blocklisted and disabled subscribers count as having left)",
      );
      const prepared = await tables.prepare(LISTMONK_SOURCE, []);
      problems.attach(prepared);
      return prepared;
    } catch (error) {
      tables.discard();
      throw error;
    }
  },
  recognise(sample: FileSample): string | null {
    if (sample.header && SUBSCRIBER_COLUMNS.every((c, i) => sample.header?.[i] === c)) {
      return `${sample.name} has listmonk's subscribers export columns (uuid, email, name, attributes, status, ...)`;
    }
    const record = sample.json ? firstCampaign(sample.json) : null;
    if (record && CAMPAIGN_FIELDS.every((f) => f in record)) {
      return `${sample.name} holds listmonk campaigns (uuid, subject, to_send, content_type)`;
    }
    return null;
  },
};

/** The files the paths name: CSVs (subscribers) and JSON (campaigns); directories one level deep. */
async function filesOf(paths: readonly string[]): Promise<{ csv: string[]; json: string[] }> {
  const csv: string[] = [];
  const json: string[] = [];
  const sort = (file: string, strict: boolean) => {
    if (/\.json$/i.test(file)) json.push(file);
    else if (/\.(csv|tsv|txt)$/i.test(file) || strict) csv.push(file);
  };
  for (const path of paths) {
    const info = await stat(path).catch(() => null);
    if (!info) throw new ImportError(path, null, null, "no such file or directory");
    if (info.isDirectory()) for (const name of (await readdir(path)).sort()) sort(join(path, name), false);
    else sort(path, true);
  }
  return { csv, json };
}

async function readSubscribers(
  file: string,
  tables: CanonicalTables,
  problems: Problems,
  options: FormatOptions,
): Promise<void> {
  const { text, encoding } = decode(file, await readFile(file));
  const source = parseSourceText(file, text, encoding, ["uuid", "email", "status", "created_at"]);
  const seen = new Map<string, number>();
  source.forEachRow((row) =>
    problems.row(() => {
      const uuid = required(source, row, "uuid");
      const earlier = seen.get(uuid);
      if (earlier !== undefined) {
        throw new ImportError(file, row.line, "uuid", `the subscriber is listed twice (also line ${earlier})`);
      }
      seen.set(uuid, row.line);
      const email = required(source, row, "email");
      if (!/^[^@\s]+@[^@\s]+$/.test(email)) {
        throw new ImportError(
          file,
          row.line,
          "email",
          "not an email address (the value is not shown: addresses are never repeated)",
        );
      }
      const status = required(source, row, "status").toLowerCase();
      if (!STATUSES.has(status)) {
        throw new ImportError(
          file,
          row.line,
          "status",
          `${JSON.stringify(row.get("status"))} is not a listmonk subscriber status (enabled, disabled or blocklisted)`,
        );
      }
      const subscribedAt = goTime(source, row, "created_at", options);
      if (subscribedAt === "") throw new ImportError(file, row.line, "created_at", "a value is required");
      let unsubscribedAt: string | null = null;
      if (status !== "enabled") {
        unsubscribedAt = goTime(source, row, "updated_at", options);
        if (unsubscribedAt === "") {
          throw new ImportError(
            file,
            row.line,
            "updated_at",
            `a value is required (when the subscriber was ${status})`,
          );
        }
        if (unsubscribedAt < subscribedAt) {
          throw new ImportError(
            file,
            row.line,
            "updated_at",
            `${unsubscribedAt} is before created_at (${subscribedAt})`,
          );
        }
      }
      tables.add("newsletter_subscribers", file, {
        id: `${LISTMONK_SOURCE}:${uuid}`,
        email_hash: hashIdentity(email),
        subscribed_at: subscribedAt,
        unsubscribed_at: unsubscribedAt,
      });
    }),
  );
}

function required(source: SourceFile, row: SourceRow, column: string): string {
  const value = row.get(column);
  if (value === "")
    throw new ImportError(source.file, row.line, source.column(column) ?? column, "a value is required");
  return value;
}

/**
 * Go's time.String(): `2006-01-02 15:04:05.999999999 -0700 MST`, perhaps with a monotonic
 * clock reading (` m=+0.001`). The zone's abbreviation is dropped; its offset is read.
 */
function goTime(source: SourceFile, row: SourceRow, column: string, _options: FormatOptions): string {
  const value = row.get(column).replace(/\s+m=[+-][\d.]+$/, "");
  const go = /^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d+)?) ([+-]\d{4})(?: [A-Za-z0-9+-]+)?$/.exec(value);
  return parseTimestamp(source, row.line, column, go ? `${go[1]} ${go[2]}` : value, null);
}

/** The first campaign of what the API answered: `{data: {results: [...]}}`, `{results: [...]}` or an array. */
function firstCampaign(json: Record<string, unknown>): Record<string, unknown> | null {
  const list = campaignList(json);
  const first = Array.isArray(list) ? list[0] : json;
  return first !== null && typeof first === "object" ? (first as Record<string, unknown>) : null;
}

function campaignList(json: unknown): unknown[] | null {
  if (Array.isArray(json)) return json;
  if (json === null || typeof json !== "object") return null;
  const o = json as Record<string, unknown>;
  const data = o.data;
  if (data && typeof data === "object" && Array.isArray((data as Record<string, unknown>).results)) {
    return (data as Record<string, unknown>).results as unknown[];
  }
  if (Array.isArray(o.results)) return o.results;
  if (Array.isArray(data)) return data;
  return null;
}

async function readCampaigns(file: string, tables: CanonicalTables, problems: Problems): Promise<void> {
  const { text } = decode(file, await readFile(file));
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    // V8 says where it stopped as a character position: the line is what a user can find. A
    // file cut off (a download that stopped) ends inside the JSON: its last line is the place.
    const position = /position (\d+)/.exec(reason);
    const cut = !position && /end of JSON input/i.test(reason);
    const at = position ? Number(position[1]) : cut ? text.trimEnd().length : null;
    const line = at === null ? null : (text.slice(0, at).match(/\n/g)?.length ?? 0) + 1;
    throw new ImportError(
      file,
      line,
      null,
      `not readable JSON (${reason}${cut ? ": the file ends before its JSON does; was it cut off?" : ""})`,
    );
  }
  const list = campaignList(json);
  const base = Array.isArray(json)
    ? ""
    : Array.isArray((json as Record<string, unknown>).results)
      ? "results"
      : "data.results";
  if (!list) {
    throw new ImportError(
      file,
      null,
      null,
      "not listmonk's campaigns: expected the API's {data: {results: [...]}} or an array of campaigns",
    );
  }
  let unsent = 0;
  for (const [i, item] of list.entries()) {
    problems.row(() => {
      const path = `${base}[${i}]`;
      if (item === null || typeof item !== "object") throw new ImportError(file, null, path, "not a campaign object");
      const c = item as Record<string, unknown>;
      const id = c.id;
      if (typeof id !== "number" && typeof id !== "string")
        throw new ImportError(file, null, `${path}.id`, "a campaign id is required");
      const started = c.started_at;
      if (started === null || started === undefined || started === "") {
        unsent += 1;
        return;
      }
      if (typeof started !== "string") throw new ImportError(file, null, `${path}.started_at`, "not a time");
      const sentAt = jsonTime(file, `${path}.started_at`, started);
      tables.add("newsletter_issues", file, {
        id: `${LISTMONK_SOURCE}:${id}`,
        sent_at: sentAt,
        subject: typeof c.subject === "string" && c.subject !== "" ? c.subject : null,
      });
    });
  }
  if (unsent > 0) tables.skip("campaigns never started (drafts and scheduled ones)", unsent);
}

/** An ISO time of the API's JSON, as UTC. */
function jsonTime(file: string, path: string, value: string): string {
  const stub = { file, column: () => path } as unknown as SourceFile;
  try {
    return parseTimestamp(stub, 0, path, value, null);
  } catch (error) {
    // JSON has no lines: the path says where.
    if (error instanceof ImportError) throw new ImportError(file, null, path, error.reason);
    throw error;
  }
}
