/**
 * Text that both engines store as it was sent. PostgreSQL refuses NUL in text (and one such
 * event once stopped the tracking writer for good, issue 13); a lone UTF-16 surrogate
 * (`"\ud800"` in JSON) is not Unicode: PostgreSQL's driver and DuckDB's both write U+FFFD in
 * its place, so the stored value would differ from the one acknowledged. Intake refuses both,
 * the same way on both engines, naming the field.
 */
import { z } from "zod";

/** A lone high surrogate (no low one after it) or a lone low one (no high one before it). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why `text` cannot be stored, or null when it can. */
export function unstorable(text: string): string | null {
  if (text.includes("\u0000")) return "contains a NUL character, which text cannot hold";
  if (LONE_SURROGATE.test(text)) return "contains an unpaired UTF-16 surrogate, which is not Unicode text";
  return null;
}

/** A string of at most `max` characters that both engines store unchanged. */
export function storableText(max: number) {
  return z
    .string()
    .max(max)
    .check((ctx) => {
      const problem = unstorable(ctx.value);
      if (problem) ctx.issues.push({ code: "custom", message: problem, input: ctx.value });
    });
}
