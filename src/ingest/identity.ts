/**
 * How Verity keeps who a person is: the SHA-256 (hex) of their email or CRM contact id,
 * trimmed and lower-cased, the form leads' contacts are hashed in at ingest
 * (src/derive/lead-contact.ts) and newsletter tools export subscribers in. Importers hash on
 * the way in, so an address is never stored in clear text.
 */
import { createHash } from "node:crypto";

/** The hash of an email or CRM contact id; null for an empty one. */
export function hashIdentity(value: string | null | undefined): string | null {
  const normalized = value?.trim().toLowerCase();
  if (!normalized) return null;
  return createHash("sha256").update(normalized, "utf8").digest("hex");
}
