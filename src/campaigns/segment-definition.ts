/**
 * A segment's definition: who a campaign goes to, as data (JSON), never as SQL. A segment is
 * a condition on a person (an email address, known to Verity by its hash): one of
 *
 *   { "lead": {...} }        has a lead (CRM) matching every filter given
 *   { "subscriber": {...} }  is a newsletter subscriber now
 *   { "visits": {...} }      visited the website (as an identified visitor) so often, so lately
 *   { "all": [...] }, { "any": [...] }, { "not": {...} }
 *
 * "Subscribers who visited the pricing page twice in 30 days and are not yet leads":
 *
 *   { "all": [ { "subscriber": {} },
 *              { "visits": { "page": "/pricing", "min": 2, "within_days": 30 } },
 *              { "not": { "lead": {} } } ] }
 *
 * Parsing checks the shape and says where it is wrong ("definition.all[1].visits.min: ...");
 * the names a filter refers to (stages, reps, teams, sources, loss reasons) are checked
 * against the workspace by segments.ts, when a segment is saved or used.
 */
import { z } from "zod";
import { LEAD_STATUSES, type LeadStatus } from "../model/canonical.js";
import { VerityError } from "../model/errors.js";

/** Nesting and size bounds: a definition is typed by people, and parsing it must stay cheap. */
export const MAX_DEPTH = 8;
export const MAX_CONDITIONS = 64;
export const MAX_DAYS = 3_650;
/** Each visits condition groups the window's visits by person: the costly part of a segment. */
export const MAX_VISIT_CONDITIONS = 4;

export type Range = { min?: number; max?: number };

export type LeadFilter = {
  status?: LeadStatus[];
  stage?: string[];
  owner?: string[];
  team?: string[];
  source?: string[];
  loss_reason?: string[];
  value?: Range;
  days_in_stage?: Range;
  created_within_days?: number;
  closed_within_days?: number;
};

export type SubscriberFilter = { subscribed_within_days?: number };

export type VisitsFilter = {
  min?: number;
  max?: number;
  within_days: number;
  page?: string;
  last_visit_within_days?: number;
};

export type Condition =
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition }
  | { lead: LeadFilter }
  | { subscriber: SubscriberFilter }
  | { visits: VisitsFilter };

/** A definition that cannot be used, with the path of the part at fault ("definition.all[1].lead.stage"). */
export class SegmentError extends VerityError {
  override name = "SegmentError";

  constructor(
    message: string,
    readonly field: string,
  ) {
    super("invalid_input", `${field}: ${message}`);
  }
}

/** Text that both engines store as given (no NUL, no lone surrogate), trimmed, not empty. */
const name = z
  .string()
  .trim()
  .min(1, "must not be empty")
  .max(200)
  .refine((s) => !s.includes("\u0000"), "must not contain a NUL character");
const names = z.array(name).min(1, "give at least one").max(100);
const days = z.number().int("must be a whole number of days").min(1).max(MAX_DAYS);
const count = z.number().int("must be a whole number").min(0).max(1_000_000);

function range(of: z.ZodNumber) {
  return z
    .strictObject({ min: of.optional(), max: of.optional() })
    .refine((r) => r.min !== undefined || r.max !== undefined, "give min, max or both")
    .refine((r) => r.min === undefined || r.max === undefined || r.min <= r.max, "min is above max");
}

const Lead = z.strictObject({
  status: z.array(z.enum(LEAD_STATUSES)).min(1, "give at least one").optional(),
  stage: names.optional(),
  owner: names.optional(),
  team: names.optional(),
  source: names.optional(),
  loss_reason: names.optional(),
  value: range(z.number().min(0).max(1e15)).optional(),
  days_in_stage: range(z.number().int("must be a whole number of days").min(0).max(MAX_DAYS)).optional(),
  created_within_days: days.optional(),
  closed_within_days: days.optional(),
});

const Subscriber = z.strictObject({ subscribed_within_days: days.optional() });

const Visits = z
  .strictObject({
    min: count.optional(),
    max: count.optional(),
    within_days: days.default(30),
    page: name.optional(),
    last_visit_within_days: days.optional(),
  })
  .refine((v) => v.min === undefined || v.max === undefined || v.min <= v.max, "min is above max")
  .refine(
    (v) => v.last_visit_within_days === undefined || (v.min ?? (v.max !== undefined ? 0 : 1)) >= 1,
    "a last visit needs a visit: give min 1 or more with last_visit_within_days",
  );

const LEAVES = { lead: Lead, subscriber: Subscriber, visits: Visits } as const;
const KINDS = ["all", "any", "not", ...Object.keys(LEAVES)] as const;

/** "definition.all[1].lead" from a base and zod's path. */
function at(base: string, path: readonly PropertyKey[]): string {
  let text = base;
  for (const part of path) text += typeof part === "number" ? `[${part}]` : `.${String(part)}`;
  return text;
}

/**
 * A definition from JSON (parsed or as text), or a SegmentError naming the first part at
 * fault. `field` is the name the caller's user knows the definition by.
 */
export function parseDefinition(input: unknown, field = "definition"): Condition {
  let value = input;
  if (typeof input === "string") {
    try {
      value = JSON.parse(input);
    } catch (error) {
      throw new SegmentError(`is not JSON (${(error as Error).message})`, field);
    }
  }
  const counter = { conditions: 0, visits: 0 };
  return parseCondition(value, field, 1, counter);
}

type Counter = { conditions: number; visits: number };

function parseCondition(value: unknown, path: string, depth: number, counter: Counter): Condition {
  if (depth > MAX_DEPTH) throw new SegmentError(`nests deeper than ${MAX_DEPTH} levels`, path);
  counter.conditions += 1;
  if (counter.conditions > MAX_CONDITIONS) {
    throw new SegmentError(`the definition has more than ${MAX_CONDITIONS} conditions`, path);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new SegmentError(`must be an object with one of ${KINDS.join(", ")}`, path);
  }
  const keys = Object.keys(value);
  if (keys.length !== 1) {
    throw new SegmentError(
      keys.length === 0
        ? `is empty: give one of ${KINDS.join(", ")}`
        : `has ${keys.join(", ")}: give exactly one of ${KINDS.join(", ")} (combine several with "all" or "any")`,
      path,
    );
  }
  const kind = keys[0] as string;
  const inner = (value as Record<string, unknown>)[kind];
  const here = `${path}.${kind}`;
  if (kind === "all" || kind === "any") {
    if (!Array.isArray(inner) || inner.length === 0)
      throw new SegmentError("must be a list of conditions, not empty", here);
    const list = inner.map((c, i) => parseCondition(c, `${here}[${i}]`, depth + 1, counter));
    return kind === "all" ? { all: list } : { any: list };
  }
  if (kind === "not") return { not: parseCondition(inner, here, depth + 1, counter) };
  if (!Object.hasOwn(LEAVES, kind)) {
    throw new SegmentError(`"${kind}" is not a condition: use one of ${KINDS.join(", ")}`, path);
  }
  if (kind === "visits" && ++counter.visits > MAX_VISIT_CONDITIONS) {
    throw new SegmentError(`the definition has more than ${MAX_VISIT_CONDITIONS} visits conditions`, here);
  }
  const parsed = LEAVES[kind as keyof typeof LEAVES].safeParse(inner ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0] as z.core.$ZodIssue;
    // An unknown key is reported at the object that has it; name the key itself.
    const keysOf = issue.code === "unrecognized_keys" ? issue.keys : [];
    const where = at(here, [...issue.path, ...keysOf.slice(0, 1)]);
    const message =
      issue.code === "unrecognized_keys"
        ? `is not a filter of "${kind}" (filters: ${Object.keys(LEAVES[kind as keyof typeof LEAVES].shape).join(", ")})`
        : issue.message;
    throw new SegmentError(message, where);
  }
  return { [kind]: parsed.data } as Condition;
}

/** Every leaf of a definition, with its path, for the checks against the workspace. */
export function leaves(condition: Condition, path = "definition"): { path: string; leaf: Condition }[] {
  if ("all" in condition) return condition.all.flatMap((c, i) => leaves(c, `${path}.all[${i}]`));
  if ("any" in condition) return condition.any.flatMap((c, i) => leaves(c, `${path}.any[${i}]`));
  if ("not" in condition) return leaves(condition.not, `${path}.not`);
  return [{ path, leaf: condition }];
}
