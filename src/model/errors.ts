/**
 * Verity's errors and what each boundary makes of them, in one table. A domain error is a
 * `VerityError` with a `code` from the closed `ErrorCode` union; the HTTP app
 * (server/app.ts) answers it with the status, body code, field and headers of its row, and
 * the CLI (cli/output.ts) prints its message and exits with the row's exit code. Neither
 * keeps an `instanceof` chain of its own, so a new kind of error is one class and one row
 * (the type checker refuses a code without one), and a subclass (LeadNotFoundError of
 * MetricInputError) gets its own answer (404) without a route remembering to catch it.
 *
 * Lives in the model, which imports nothing of Verity's, so every layer can throw one.
 */

/** What went wrong, as the boundaries tell cases apart. */
export type ErrorCode =
  /** A request a user can get wrong: an unknown rep, a period with no data (MetricInputError). */
  | "invalid_input"
  /** A period that does not parse or lies outside the years Verity reads (PeriodError). */
  | "invalid_period"
  /** No lead with the id asked for (LeadNotFoundError). */
  | "lead_not_found"
  /** An input file that cannot be imported, naming its line and column (ImportError). */
  | "invalid_file"
  /** An export zip over the size limits (ZipTooLarge). */
  | "file_too_large"
  /** Files whose format cannot be told (UnknownFormat). */
  | "unknown_format"
  /** A command used wrongly: a missing file, a flag out of range (the CLI's UserError). */
  | "usage"
  /** The DuckDB file is held by another process (DatabaseLockedError). */
  | "database_locked"
  /** DuckDB ran out of its memory budget on a statement (EngineOutOfMemory). */
  | "engine_out_of_memory"
  /** Too many passwords are being hashed at once; retry in a moment (PasswordHashingBusy). */
  | "busy"
  /** The database could not be reached or the connection was lost (no class: a driver's error). */
  | "database_unreachable"
  /** Anything else: a bug or a failure the user cannot fix. */
  | "internal";

/** The `code` of the HTTP API's error body (`{ "error": { "status", "code", ... } }`). */
export type ApiErrorCode =
  | "invalid_request"
  | "unauthenticated"
  | "forbidden"
  | "not_found"
  | "payload_too_large"
  | "rate_limited"
  | "conflict"
  | "unavailable"
  | "internal";

/** A Verity error: one sentence for the user, and what it is about. */
export class VerityError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /**
     * The request parameter at fault, when there is one (`rep`, `period`, `format`): the
     * API names it as `query.<parameter>`, so a client can point at the field.
     */
    readonly parameter: string | null = null,
    /** What was asked for and not found (a lead's id), for answers that name it. */
    readonly subject: string | null = null,
  ) {
    super(message);
    this.name = "VerityError";
  }
}

/** How the HTTP API answers one code. */
export type HttpAnswer = {
  status: 400 | 404 | 413 | 500 | 503;
  code: ApiErrorCode;
  /** The error body's `field`: a fixed one (`body`), or the error's parameter as `query.<parameter>`. */
  field: "body" | "parameter" | null;
  /** The body's message when it is not the error's own (a 500 tells nothing of the server's inside). */
  message?: (error: { message: string; subject: string | null }) => string;
  headers?: Readonly<Record<string, string>>;
};

/** How the CLI ends on one code: its exit status, the line it prints, whether a stack may follow. */
export type CliAnswer = {
  exit: number;
  message?: (error: { message: string }) => string;
  /** The stack trace is printed under VERITY_DEBUG=1: only for errors that are not the user's to fix. */
  stack: boolean;
};

const INTERNAL_MESSAGE = "something went wrong on the server; it is logged";

/** The one table: every code's HTTP answer and CLI ending. */
export const ERROR_TABLE: Readonly<Record<ErrorCode, { http: HttpAnswer; cli: CliAnswer }>> = {
  invalid_input: {
    http: { status: 400, code: "invalid_request", field: "parameter" },
    cli: { exit: 1, stack: false },
  },
  invalid_period: {
    http: { status: 400, code: "invalid_request", field: "parameter" },
    cli: { exit: 1, stack: false },
  },
  lead_not_found: {
    http: {
      status: 404,
      code: "not_found",
      field: null,
      // The caller's own workspace goes without saying over HTTP.
      message: (error) => `lead "${error.subject}" was not found`,
    },
    cli: { exit: 1, stack: false },
  },
  invalid_file: { http: { status: 400, code: "invalid_request", field: "body" }, cli: { exit: 1, stack: false } },
  file_too_large: { http: { status: 413, code: "payload_too_large", field: "body" }, cli: { exit: 1, stack: false } },
  unknown_format: {
    http: { status: 400, code: "invalid_request", field: "parameter" },
    cli: { exit: 1, stack: false },
  },
  usage: { http: { status: 400, code: "invalid_request", field: null }, cli: { exit: 1, stack: false } },
  // Only `verity serve` opens the file, at its start: a request never meets another holder.
  database_locked: {
    http: { status: 500, code: "internal", field: null, message: () => INTERNAL_MESSAGE },
    cli: { exit: 1, stack: false },
  },
  // The operator's setting (VERITY_DUCKDB_MEMORY) is no business of an API client.
  engine_out_of_memory: {
    http: { status: 500, code: "internal", field: null, message: () => INTERNAL_MESSAGE },
    cli: { exit: 1, stack: false },
  },
  // Password hashing is bounded so sign-ins never starve ingest (accounts/secrets.ts): say "retry".
  busy: {
    http: { status: 503, code: "unavailable", field: null, headers: { "Retry-After": "1" } },
    cli: { exit: 1, stack: true },
  },
  // The database restarting or failing over: the request may be repeated once it is back.
  database_unreachable: {
    http: {
      status: 503,
      code: "unavailable",
      field: null,
      message: () => "the database is not reachable right now (restarting?); retry shortly",
      headers: { "Retry-After": "5" },
    },
    cli: { exit: 1, message: (error) => `cannot reach the PostgreSQL server: ${error.message}`, stack: false },
  },
  internal: {
    http: { status: 500, code: "internal", field: null, message: () => INTERNAL_MESSAGE },
    cli: { exit: 1, stack: true },
  },
};
