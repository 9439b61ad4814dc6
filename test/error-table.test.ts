/**
 * The one error table (src/model/errors.ts) and the two boundaries that read it: every code
 * has an HTTP answer and a CLI exit code, and every error class gets its answer from its code
 * alone (a LeadNotFoundError is a 404 though it is a MetricInputError, with no route catching
 * it). No database, no socket: toApiError is what the app's onError answers with.
 */
import { describe, expect, test } from "vitest";
import { PasswordHashingBusy } from "../src/accounts/secrets.js";
import { describeError, UserError } from "../src/cli/output.js";
import { UnknownFormat } from "../src/ingest/crm/detect.js";
import { ZipTooLarge } from "../src/ingest/crm/export-zip.js";
import { ImportError } from "../src/ingest/import-error.js";
import { MetricInputError } from "../src/metrics/context.js";
import { LeadNotFoundError } from "../src/metrics/lead-timeline.js";
import { ERROR_TABLE, type ErrorCode, VerityError } from "../src/model/errors.js";
import { PeriodError } from "../src/model/period.js";
import { toApiError } from "../src/server/app.js";
import { DatabaseLockedError, EngineOutOfMemory } from "../src/store/duckdb-store.js";
import { DatabaseConnectionError, StoreClosedError } from "../src/store/errors.js";

const CODES = Object.keys(ERROR_TABLE) as ErrorCode[];

/** Each error class, one instance, and the exact body the API answers it with. */
const CASES: {
  error: VerityError;
  code: ErrorCode;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
}[] = [
  {
    error: new MetricInputError('no rep "nobody" in workspace "acme"', "rep"),
    code: "invalid_input",
    body: { status: 400, code: "invalid_request", message: 'no rep "nobody" in workspace "acme"', field: "query.rep" },
  },
  {
    error: new MetricInputError("no data in 2024-Q1"),
    code: "invalid_input",
    body: { status: 400, code: "invalid_request", message: "no data in 2024-Q1" },
  },
  {
    error: new PeriodError("bad period"),
    code: "invalid_period",
    body: { status: 400, code: "invalid_request", message: "bad period", field: "query.period" },
  },
  {
    error: new LeadNotFoundError("L9", "acme"),
    code: "lead_not_found",
    body: { status: 404, code: "not_found", message: 'lead "L9" was not found' },
  },
  {
    error: new ImportError("leads.csv", 3, "value", "not a number"),
    code: "invalid_file",
    body: {
      status: 400,
      code: "invalid_request",
      message: "leads.csv, line 3, column value: not a number",
      field: "body",
    },
  },
  {
    error: new ZipTooLarge("export.zip", null, null, "over 1 GiB"),
    code: "file_too_large",
    body: { status: 413, code: "payload_too_large", message: "export.zip: over 1 GiB", field: "body" },
  },
  {
    error: new UnknownFormat("x.csv: cannot tell its format"),
    code: "unknown_format",
    body: { status: 400, code: "invalid_request", message: "x.csv: cannot tell its format", field: "query.format" },
  },
  {
    error: new UserError("--port takes 0-65535"),
    code: "usage",
    body: { status: 400, code: "invalid_request", message: "--port takes 0-65535" },
  },
  {
    error: new DatabaseLockedError("/tmp/v.duckdb", "PID 1"),
    code: "database_locked",
    body: { status: 500, code: "internal", message: "something went wrong on the server; it is logged" },
  },
  {
    error: new EngineOutOfMemory("1GB", "Out of Memory Error: failed to allocate data of size 4.0 MiB"),
    code: "engine_out_of_memory",
    body: { status: 500, code: "internal", message: "something went wrong on the server; it is logged" },
  },
  {
    error: new PasswordHashingBusy(),
    code: "busy",
    body: {
      status: 503,
      code: "unavailable",
      message: "too many sign-ins are being checked at once; retry in a moment",
    },
    headers: { "Retry-After": "1" },
  },
];

describe("the error table", () => {
  test("every code has an HTTP status and a CLI exit code", () => {
    for (const code of CODES) {
      const { http, cli } = ERROR_TABLE[code];
      expect(http.status, code).toBeGreaterThanOrEqual(400);
      expect(http.status, code).toBeLessThan(600);
      expect(Number.isInteger(cli.exit) && cli.exit > 0, code).toBe(true);
    }
  });

  test("every code is some error's: a class's, or a foreign error's (a lost connection, anything else)", () => {
    const reached = new Set([...CASES.map((c) => c.code), "database_unreachable", "internal"]);
    expect([...reached].sort()).toEqual([...CODES].sort());
  });

  test.each(CASES)("$error.name ($code) is answered from its row", ({ error, code, body, headers }) => {
    expect(error).toBeInstanceOf(VerityError);
    expect(error.code).toBe(code);
    const answer = toApiError(error);
    expect(answer.toJSON()).toEqual({ error: body });
    expect(answer.headers).toEqual(headers ?? {});
  });

  test("a LeadNotFoundError is still a MetricInputError, and still a 404", () => {
    const error = new LeadNotFoundError("L9", "acme");
    expect(error).toBeInstanceOf(MetricInputError);
    expect(error.message).toBe('no lead "L9" (by id or external id) in workspace "acme"');
    expect(toApiError(error).status).toBe(404);
  });

  test("a lost database connection is a 503 to retry; anything else a 500 that tells nothing", () => {
    const lost = toApiError(new DatabaseConnectionError("connection lost", { code: "57P01" }));
    expect(lost.toJSON().error).toEqual({
      status: 503,
      code: "unavailable",
      message: "the database is not reachable right now (restarting?); retry shortly",
    });
    expect(lost.headers).toEqual({ "Retry-After": "5" });
    // A read the closing store stopped (a shutdown): the same answer, and not the file's path.
    const closing = toApiError(
      new StoreClosedError("the DuckDB database /srv/verity.duckdb was closed while the statement ran"),
    );
    expect(closing.toJSON().error).toEqual(lost.toJSON().error);
    expect(toApiError(new Error("secret detail")).toJSON().error).toEqual({
      status: 500,
      code: "internal",
      message: "something went wrong on the server; it is logged",
    });
  });
});

describe("the CLI's ending", () => {
  test.each(CASES)("$error.name: its own message, exit 1", ({ error }) => {
    const debug = process.env.VERITY_DEBUG;
    process.env.VERITY_DEBUG = "1";
    try {
      // Only an error that is not the user's to fix (too busy to hash a password) shows its stack.
      expect(describeError(error)).toEqual({
        message: error.message,
        showStack: error.code === "busy",
        exitCode: 1,
      });
    } finally {
      if (debug === undefined) delete process.env.VERITY_DEBUG;
      else process.env.VERITY_DEBUG = debug;
    }
  });

  test("an unreachable PostgreSQL is named; any other error shows its stack only under VERITY_DEBUG=1", () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });
    expect(describeError(refused)).toEqual({
      message: "cannot reach the PostgreSQL server: connect ECONNREFUSED 127.0.0.1:5432",
      showStack: false,
      exitCode: 1,
    });
    const debug = process.env.VERITY_DEBUG;
    try {
      delete process.env.VERITY_DEBUG;
      expect(describeError(new Error("boom"))).toEqual({ message: "boom", showStack: false, exitCode: 1 });
      process.env.VERITY_DEBUG = "1";
      expect(describeError(new Error("boom"))).toEqual({ message: "boom", showStack: true, exitCode: 1 });
      expect(describeError("thrown text")).toEqual({ message: "thrown text", showStack: false, exitCode: 1 });
    } finally {
      if (debug === undefined) delete process.env.VERITY_DEBUG;
      else process.env.VERITY_DEBUG = debug;
    }
  });
});
