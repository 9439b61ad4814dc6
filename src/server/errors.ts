/**
 * One error shape for every route:
 *
 *   { "error": { "status": 400, "code": "invalid_request", "message": "...", "field": "body.events[3].url",
 *                "issues": [{ "field": ..., "message": ... }] } }
 *
 * `field` names the first offending HTTP field (query parameter, body path or header);
 * `issues` lists every one found. Messages are one plain sentence.
 */
import type { z } from "zod";
import type { ApiErrorCode } from "../model/errors.js";

/** The body's `code`, listed once beside the table that maps Verity's errors to it. */
export type ErrorCode = ApiErrorCode;

export type Issue = { field: string; message: string };

export class ApiError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409 | 413 | 415 | 429 | 500 | 503,
    readonly code: ErrorCode,
    message: string,
    readonly field: string | null = null,
    readonly issues: Issue[] = [],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "ApiError";
  }

  toJSON() {
    return {
      error: {
        status: this.status,
        code: this.code,
        message: this.message,
        ...(this.field ? { field: this.field } : {}),
        ...(this.issues.length > 0 ? { issues: this.issues } : {}),
      },
    };
  }
}

export const notFound = (what: string) => new ApiError(404, "not_found", `${what} was not found`);

/** "body.events[3].url" from a zod issue path. */
export function fieldPath(where: string, path: readonly PropertyKey[]): string {
  let text = where;
  for (const part of path) {
    if (typeof part === "number") text += `[${part}]`;
    else text += text === "" ? String(part) : `.${String(part)}`;
  }
  return text;
}

/** A zod failure as a 400 naming the first field and listing every issue. */
export function validationError(where: string, error: z.ZodError): ApiError {
  const issues = error.issues.flatMap((issue) =>
    // zod reports unknown keys at the object that has them; the caller needs the key itself
    // (`query.perod`, `body.leads[0].colour`) to see the typo.
    issue.code === "unrecognized_keys"
      ? issue.keys.map((key) => ({
          field: fieldPath(where, [...issue.path, key]),
          message: where === "query" ? "not a known query parameter" : "not a known field",
        }))
      : [{ field: fieldPath(where, issue.path), message: issue.message }],
  );
  const first = issues[0];
  const message = first ? `${first.field}: ${first.message}` : `${where} is not valid`;
  return new ApiError(400, "invalid_request", message, first?.field ?? where, issues);
}
