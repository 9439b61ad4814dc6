/**
 * A newsletter's subscribers file read through a mapping's `newsletter_subscribers` section
 * (docs/csv-mapping.md): a spreadsheet or a tool Verity has no importer for.
 *
 * - Who: `email` is an address, hashed with hashIdentity (SHA-256 of it trimmed and
 *   lower-cased, the form leads' contacts are hashed in) and never stored or repeated in a
 *   message (nor in the rejects file); `email_hash` a SHA-256 the file already holds (stored
 *   in lower case). Not both: which would win is not guessed.
 * - The id: `<source_system>:<id>` from a mapped `id`, an id that is an address stored as its
 *   hash (`sheet:<sha256>`); without `id`, `<source_system>:<email hash>`, the rule the
 *   Mailchimp importer follows, so a later export of the same list updates the same rows. The
 *   same subscriber twice in a file is a problem naming both lines.
 * - When: `subscribed_at` is required; `unsubscribed_at` says they left. A mapped `status`
 *   (after its transforms `subscribed` or `unsubscribed`: a tool's `cleaned`, `bounced`, ...
 *   are mapped to `unsubscribed` with a map transform) decides instead: an unsubscribed row
 *   needs its unsubscribed_at, a subscribed row's unsubscribed_at (an earlier leaving of a
 *   contact who came back) is ignored with a note.
 */
import { basename } from "node:path";
import { hashIdentity } from "../../identity.js";
import type { ImportError } from "../../import-error.js";
import type { CanonicalTables } from "../canonical-tables.js";
import type { SourceRow } from "../source-file.js";
import type { DateOrder } from "../values.js";
import type { SectionSource } from "./join.js";
import type { Section, SubscriberField } from "./mapping-file.js";
import { mayBeAddress, rowReader } from "./row-reader.js";

export const SUBSCRIBER_STATUSES = ["subscribed", "unsubscribed"] as const;

/** One `@` between two parts without spaces: the check the Mailchimp and listmonk importers make. */
const ADDRESS = /^[^@\s]+@[^@\s]+$/;

const NOT_AN_ADDRESS = "not an email address (the value is not shown: addresses are never repeated)";

/** What the subscribers conversion uses of the mapped import's converter. */
export type SubscriberContext = {
  sourceSystem: string;
  tables: CanonicalTables;
  orderOf(
    source: SectionSource,
    section: Section<SubscriberField>,
    fields: readonly SubscriberField[],
  ): DateOrder | null;
  /** Records a row's problems, or refuses the row (true when it had none); addresses concealed. */
  settle(rowProblems: ImportError[], source: SectionSource, row: SourceRow, conceal: boolean): boolean;
};

export function convertSubscribers(
  source: SectionSource,
  section: Section<SubscriberField>,
  context: SubscriberContext,
): void {
  const { columns } = section;
  const order = context.orderOf(source, section, ["subscribed_at", "unsubscribed_at"]);
  const from = basename(source.file);
  const firstLine = new Map<string, number>();
  let leftIgnored = 0;
  for (const row of source.rows) {
    const r = rowReader<SubscriberField>(source, section, row, order, true);
    // Who: the hash of the address (or the file's own hash).
    let hash: string | null = null;
    const identity: SubscriberField | null = columns.email ? "email" : columns.email_hash ? "email_hash" : null;
    if (identity) {
      const value = r.text(identity);
      if (value !== "") {
        const read = identity === "email" ? hashOfAddress(value) : readHash(value);
        if ("error" in read) r.rowProblems.push(r.problem(identity, read.error));
        else hash = read.hash;
      }
    }
    // The id: a mapped id (an address hashed), else the hash.
    const idField: SubscriberField = columns.id ? "id" : (identity ?? "id");
    let key = "";
    if (columns.id) {
      const value = r.text("id");
      key = value !== "" && mayBeAddress(value) ? (hashIdentity(value) ?? "") : value;
    } else {
      key = hash ?? "";
    }
    if (key === "" && !r.rowProblems.some((p) => p.column === r.columnOf(idField))) {
      r.rowProblems.push(
        r.problem(
          idField,
          columns.id
            ? "the id is empty (the mapping's newsletter_subscribers.columns.id)"
            : `the ${idField === "email" ? "address" : "hash"} is empty: it is the subscriber's id (map id to name subscribers without one)`,
        ),
      );
    }
    const id = `${context.sourceSystem}:${key}`;
    const seen = firstLine.get(id);
    if (key !== "" && seen !== undefined) {
      r.rowProblems.push(r.problem(idField, `the subscriber ${id} is on line ${seen} already`));
    } else if (key !== "") {
      firstLine.set(id, row.line);
    }

    const status = columns.status
      ? r.oneOf("status", r.required("status", "the status"), SUBSCRIBER_STATUSES, "a subscriber status")
      : "";
    const subscribedAt = r.timestamp("subscribed_at", r.required("subscribed_at", "the subscription time"));
    let unsubscribedAt = r.timestamp("unsubscribed_at", r.text("unsubscribed_at"));
    if (status === "subscribed" && unsubscribedAt !== "") {
      unsubscribedAt = "";
      leftIgnored += 1;
    }
    const unsubscribedProblem = () => r.rowProblems.some((p) => p.column === r.columnOf("unsubscribed_at"));
    if (status === "unsubscribed" && unsubscribedAt === "" && !unsubscribedProblem()) {
      r.rowProblems.push(
        r.problem(
          "unsubscribed_at",
          `an unsubscribed subscriber needs the time they left${columns.unsubscribed_at ? "" : ": map unsubscribed_at"}`,
        ),
      );
    }
    if (subscribedAt !== "" && unsubscribedAt !== "" && unsubscribedAt < subscribedAt) {
      r.rowProblems.push(
        r.problem("unsubscribed_at", `unsubscribed ${unsubscribedAt} before subscribing (${subscribedAt})`),
      );
    }
    if (!context.settle(r.rowProblems, source, row, true)) continue;
    context.tables.add("newsletter_subscribers", from, {
      id,
      email_hash: hash,
      subscribed_at: subscribedAt,
      unsubscribed_at: unsubscribedAt,
    });
  }
  if (leftIgnored > 0) {
    context.tables.note(
      `${leftIgnored} subscriber${leftIgnored === 1 ? " whose status is subscribed has" : "s whose status is subscribed have"} a ${columns.unsubscribed_at?.column ?? "unsubscribed_at"} time: ignored, they are subscribed (they left earlier and came back)`,
    );
  }
  if (!columns.email && !columns.email_hash) {
    context.tables.note(
      "the subscribers have no address (the mapping maps neither email nor email_hash): newsletter leads cannot match them to leads",
    );
  }
}

/** An address's hash; the address itself is never repeated. */
function hashOfAddress(value: string): { hash: string } | { error: string } {
  const hash = ADDRESS.test(value) ? hashIdentity(value) : null;
  return hash ? { hash } : { error: NOT_AN_ADDRESS };
}

/** A SHA-256 hash the file holds, in lower case as leads' contact hashes are. */
function readHash(value: string): { hash: string } | { error: string } {
  if (/^[0-9a-f]{64}$/i.test(value)) return { hash: value.toLowerCase() };
  if (mayBeAddress(value)) {
    return {
      error:
        "an email address, not a hash: map the column as email (hashed on import) instead of email_hash (the value is not shown: addresses are never repeated)",
    };
  }
  if (/^[0-9a-f]{32}$/i.test(value)) {
    return {
      error:
        "an MD5 hash (32 hexadecimal digits, as Mailchimp's subscriber hash): leads' contacts are matched by SHA-256 of the address, so map the address as email instead",
    };
  }
  return { error: `${JSON.stringify(value)} is not a SHA-256 hash (64 hexadecimal digits)` };
}
