/**
 * Writing routes: data pushed by a CRM webhook or a script (leads, stage changes, activities,
 * social snapshots, newsletter events, ... as JSON rows of Verity's canonical tables), and
 * export files uploaded for the importers. Both go through the same loader as `verity import`
 * (src/ingest/importer.ts): the same checks, one transaction, nothing half-written; a bad
 * row is a 400 naming its field (`body.leads[3].created_at`).
 */

import { createWriteStream } from "node:fs";
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join, sep } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import Papa from "papaparse";
import { z } from "zod";
import { detectFormat, UnknownFormat } from "../../ingest/crm/detect.js";
import { ZIP_LIMITS } from "../../ingest/crm/export-zip.js";
import { ImportError } from "../../ingest/import-error.js";
import { escapeRegExp, formatOptionsOf, inApiTerms, optionOfFlag } from "../../ingest/import-options.js";
import {
  type Importer,
  type ImportSummary,
  loadPrepared,
  type PreparedImport,
  type TableFile,
} from "../../ingest/importer.js";
import { IMPORTERS, importerFor } from "../../ingest/importers.js";
import { scopeOfRows } from "../../ingest/write-scope.js";
import { type Column, TABLE_ORDER, TABLES, type TableName, TIMESTAMP_TEXT } from "../../model/canonical.js";
import { ERROR_TABLE } from "../../model/errors.js";
import type { Api } from "../api.js";
import { storableText } from "../collect/storable-text.js";
import type { ServerContext } from "../context.js";
import { ApiError } from "../errors.js";

/** Rows per table in one push; larger loads are imports (`verity import` or POST /api/import). */
export const MAX_PUSH_ROWS = 10_000;
export const PUSH_BODY_LIMIT = 10 * 1024 * 1024;
export const UPLOAD_BODY_LIMIT = 1024 * 1024 * 1024;

/** A canonical column as a JSON field. */
function fieldSchema(column: Column): z.ZodType {
  let schema: z.ZodType;
  switch (column.type) {
    case "text":
      // PostgreSQL cannot store NUL in text, nor either engine a lone surrogate unchanged:
      // refused here, the same on both engines.
      schema = column.oneOf ? z.enum(column.oneOf as [string, ...string[]]) : storableText(100_000);
      break;
    case "timestamp":
      // The forms canonical files take (a space or a T, with or without an offset): history
      // backfilled over HTTP is written as it is exported. A date that does not exist
      // (February 30) passes here and is refused by the loader, naming the field.
      schema = z
        .string()
        .regex(TIMESTAMP_TEXT, "a time such as 2025-03-25T10:00:00Z, 2025-03-25 10:00:00 (UTC) or 2025-03-25");
      break;
    case "integer":
      // What the column holds: a stage's position is a 32-bit INTEGER, the counts BIGINT (of
      // which a JSON number is exact up to 2^53). Past that the engines fail without a field.
      schema = z
        .number()
        .int()
        .max(column.max ?? Number.MAX_SAFE_INTEGER);
      if (column.min !== undefined) schema = (schema as z.ZodNumber).min(column.min);
      break;
    case "decimal":
      // NUMERIC(18,2): DuckDB calls a larger amount "not a number", PostgreSQL an overflow.
      schema = z.number().lt(1e16);
      if (column.min !== undefined) schema = (schema as z.ZodNumber).min(column.min);
      break;
    case "boolean":
      schema = z.boolean();
      break;
  }
  schema = schema.describe(column.doc);
  return column.required && column.default === undefined ? schema : schema.nullable().optional();
}

function rowSchema(table: TableName): z.ZodType {
  const shape: Record<string, z.ZodType> = {};
  for (const column of TABLES[table].columns) shape[column.name] = fieldSchema(column);
  return z.object(shape).strict().describe(TABLES[table].doc);
}

export const PushSchema = z
  .object(
    Object.fromEntries(
      TABLE_ORDER.map((table) => [table, z.array(rowSchema(table)).max(MAX_PUSH_ROWS).optional()]),
    ) as unknown as Record<TableName, z.ZodType>,
  )
  .strict()
  .refine((body) => Object.values(body).some((rows) => Array.isArray(rows) && rows.length > 0), {
    message: `give rows of at least one table: ${TABLE_ORDER.join(", ")}`,
  });

const Counts = z.object({
  rows: z.number(),
  created: z.number(),
  updated: z.number(),
  unchanged: z.number(),
  removed: z.number(),
});
const SummarySchema = z
  .object({
    format: z.string(),
    tables: z.record(z.string(), Counts),
    skipped: z.array(z.unknown()),
    notes: z.array(z.string()),
  })
  .loose();

const API_IMPORTER: Importer = {
  format: "api",
  description: "rows pushed through the HTTP API",
  prepare: () => Promise.reject(new Error("API rows are prepared by the route")),
};

/**
 * The pushed rows as canonical table files, and for each file the physical line each row
 * starts on (a note with a line break spans lines), to name a bad row by its index.
 */
async function writePush(body: Record<string, unknown[] | undefined>): Promise<{
  prepared: PreparedImport;
  rowOfLine: Map<TableName, number[]>;
}> {
  const dir = await mkdtemp(join(tmpdir(), "verity-push-"));
  const files: TableFile[] = [];
  const rowOfLine = new Map<TableName, number[]>();
  for (const table of TABLE_ORDER) {
    const rows = body[table] as Record<string, unknown>[] | undefined;
    if (!rows || rows.length === 0) continue;
    const used = new Set(rows.flatMap((r) => Object.keys(r)));
    const columns = TABLES[table].columns.map((c) => c.name as string).filter((c) => used.has(c));
    const header = Papa.unparse([columns], { newline: "\n" });
    const lines: string[] = [header];
    const starts: number[] = [];
    let line = 2;
    for (const row of rows) {
      const record = Papa.unparse([columns.map((c) => cell(row[c]))], { newline: "\n" });
      starts.push(line);
      line += record.split("\n").length;
      lines.push(record);
    }
    const file = join(dir, TABLES[table].file);
    await writeFile(file, `${lines.join("\n")}\n`, "utf8");
    files.push({ table, file, columns, displayName: table });
    rowOfLine.set(table, starts);
  }
  return {
    prepared: {
      sourceSystem: "api",
      files,
      skipped: [],
      notes: [],
      lacks: [],
      cleanup: () => rm(dir, { recursive: true, force: true }),
    },
    rowOfLine,
  };
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return "";
  return String(value);
}

/** An import error about a pushed row, as a 400 naming the row's field. */
function pushError(error: ImportError, rowOfLine: Map<TableName, number[]>): ApiError {
  const table = error.file as TableName;
  const starts = rowOfLine.get(table);
  let index: number | null = null;
  if (starts && error.line !== null) {
    for (let i = starts.length - 1; i >= 0; i--) {
      if ((starts[i] ?? 0) <= error.line) {
        index = i;
        break;
      }
    }
  }
  const field = `body.${table}${index === null ? "" : `[${index}]`}${error.column ? `.${error.column.split(",")[0]?.trim()}` : ""}`;
  return new ApiError(400, "invalid_request", `${field}: ${error.reason}`, field, [{ field, message: error.reason }]);
}

function summaryOf(summary: ImportSummary) {
  return {
    format: summary.format,
    sourceSystem: summary.sourceSystem,
    tables: summary.tables,
    skipped: summary.skipped,
    notes: summary.notes,
    lacks: summary.lacks,
    durationMs: summary.durationMs,
  };
}

const UploadQuery = z
  .object({
    format: z
      .enum(Object.keys(IMPORTERS).filter((f) => f !== "csv") as [string, ...string[]])
      .optional()
      .describe("the export's format (detected from the file when left out)"),
    filename: z
      .string()
      // Not "." or "..": joined to the upload's directory they name a directory, not a file.
      .regex(/^(?!\.+$)[A-Za-z0-9 ._()-]{1,200}$/, "a plain file name (letters, digits, spaces, . _ - ( ))")
      .optional()
      .describe("the file's name, e.g. deals.csv or export.zip (detection reads its extension)"),
    dateFormat: z
      .enum(["iso", "dmy", "mdy"])
      .optional()
      .describe("how slashed dates are ordered when the file cannot tell"),
    currency: z
      .string()
      .regex(/^[A-Za-z]{3}$/, "an ISO 4217 code such as EUR")
      .optional()
      .describe("the currency of amounts when the export has none"),
    lossReasonField: z.string().max(200).optional().describe("Salesforce: the column holding loss reasons"),
    stages: z.string().max(4000).optional().describe("stage order for exports that only name stages"),
    qualifyingStage: z.string().max(200).optional().describe("the stage that makes a lead qualified"),
    sessionGap: z
      .string()
      .regex(/^\d{1,4}$/, "whole minutes")
      .optional()
      .describe("minutes of inactivity that end a visit, for event exports (default 30)"),
    timezone: z
      .string()
      .max(64)
      .regex(/^[A-Za-z_]+(?:\/[A-Za-z0-9_+-]+)*$/, "an IANA time zone such as Europe/Stockholm")
      .optional()
      .describe("the IANA time zone of times written without an offset (default UTC)"),
  })
  .strict();

export function registerDataRoutes(api: Api, ctx: ServerContext): void {
  api.add(
    {
      method: "post",
      path: "/api/data",
      tag: "data",
      summary: "Push rows of Verity's canonical tables (a CRM webhook, a script)",
      description:
        "Rows are upserted by their key (docs: the canonical format in the README); stage events are added to a lead's history, never replace it. All rows load in one transaction: one bad row and nothing is written (400 naming the field).",
      access: "data:write",
      body: PushSchema,
      bodyLimit: PUSH_BODY_LIMIT,
      responses: { 200: { description: "What was created, updated or unchanged per table", schema: SummarySchema } },
    },
    async ({ body, principal }) => {
      const rows = body as Record<string, Record<string, unknown>[] | undefined>;
      const { prepared, rowOfLine } = await writePush(rows);
      const scope = scopeOfRows(ctx.store, principal.workspace, rows);
      try {
        const summary = await ctx.writer.exclusive(() =>
          loadPrepared(ctx.store, API_IMPORTER, prepared, ["api"], {
            workspace: principal.workspace,
            appendChildren: true,
            ...(scope ? { scope } : {}),
          }),
        );
        ctx.warmer.written(principal.workspace);
        return summaryOf(summary);
      } catch (error) {
        if (error instanceof ImportError) throw pushError(error, rowOfLine);
        throw error;
      } finally {
        await prepared.cleanup();
      }
    },
  );

  api.add(
    {
      method: "post",
      path: "/api/import",
      tag: "data",
      summary: "Upload a CRM export (Salesforce zip or CSV, HubSpot, Pipedrive, Nutshell, Maven) for the importer",
      description:
        "The body is the file itself. The same conversion and checks as `verity import`; one transaction. The generic CSV format needs a mapping file: use `verity import --format csv --mapping`.",
      access: "data:write",
      query: UploadQuery,
      bodyKind: "binary",
      bodyLimit: UPLOAD_BODY_LIMIT,
      streamsBody: true,
      responses: { 200: { description: "The import's summary", schema: SummarySchema } },
    },
    async ({ c, query, principal }) => {
      const stream = c.req.raw.body;
      if (!stream) throw new ApiError(400, "invalid_request", "the request has no body; send the export file", "body");
      const dir = await mkdtemp(join(tmpdir(), "verity-upload-"));
      const name = basename(String(query.filename ?? "upload.csv"));
      const path = join(dir, name);
      // What messages call the file: the user's name for it, never the server's path.
      const upload: Upload = { dir, path, shown: query.filename ? name : "the upload" };
      try {
        // Counted as it streams to disk: a chunked upload states no length to check first.
        let bytes = 0;
        const counter = new Transform({
          transform(chunk: Buffer, _encoding, done) {
            bytes += chunk.length;
            if (bytes > UPLOAD_BODY_LIMIT) {
              done(
                new ApiError(
                  413,
                  "payload_too_large",
                  `the body is over the limit of ${UPLOAD_BODY_LIMIT} bytes`,
                  "body",
                ),
              );
            } else done(null, chunk);
          },
        });
        await pipeline(
          Readable.fromWeb(stream as import("node:stream/web").ReadableStream),
          counter,
          createWriteStream(path),
        );
        // A CSV is read whole into one string; a zip's files are held to the same limit as they unpack.
        if (!/\.zip$/i.test(name) && (await stat(path)).size > ZIP_LIMITS.maxEntryBytes) {
          throw new ApiError(
            413,
            "payload_too_large",
            `${upload.shown}: over the ${ZIP_LIMITS.maxEntryBytes} bytes one file of an import may hold`,
            "body",
          );
        }
        let format = query.format as string | undefined;
        if (!format) {
          try {
            format = (await detectFormat([path])).format;
          } catch (error) {
            if (error instanceof UnknownFormat)
              throw new ApiError(400, "invalid_request", forUser(error.message, upload), "query.format");
            // Detection reads the header: a file it cannot decode is named as the user named it.
            if (error instanceof ImportError) throw uploadError(error, upload);
            throw error;
          }
        }
        if (format === "csv") {
          throw new ApiError(
            400,
            "invalid_request",
            "the csv format needs a mapping file: use `verity import`",
            "query.format",
          );
        }
        const options = formatOptionsOf(query);
        const importer = importerFor(format);
        let prepared: PreparedImport;
        try {
          prepared = await importer.prepare([path], options);
        } catch (error) {
          if (error instanceof ImportError) throw uploadError(error, upload);
          throw error;
        }
        const summary = await ctx.writer
          .exclusive(() =>
            loadPrepared(ctx.store, importer, prepared, [name], {
              workspace: principal.workspace,
              format: options,
            }),
          )
          .catch((error) => {
            if (error instanceof ImportError) throw uploadError(error, upload);
            throw error;
          });
        ctx.warmer.written(principal.workspace);
        const answer = summaryOf(summary);
        return { ...answer, notes: answer.notes.map((note) => forUser(note, upload)) };
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  );
}

/** Where an upload was written, and what messages call it. */
type Upload = { dir: string; path: string; shown: string };

/**
 * An importer's message for the user who uploaded the file: the file named as they named it
 * (the whole upload folder's path goes, and any other temporary path is cut to its file
 * name), and the importers' command-line advice in query parameters (import-options.ts).
 */
function forUser(message: string, upload: Upload): string {
  const scratch = new RegExp(`${escapeRegExp(tmpdir())}[^\\s,;:()"']*`, "g");
  const named = message
    .replaceAll(upload.path, upload.shown)
    .replaceAll(`${upload.dir}${sep}`, "")
    .replace(scratch, (path) => basename(path));
  return inApiTerms(named);
}

/**
 * An import error about an uploaded file as the API's error: 413 for a zip over the size
 * limits, else 400 naming the query parameter the error is about (`--stages` is
 * query.stages) or the body.
 */
function uploadError(error: ImportError, upload: Upload): ApiError {
  const option = optionOfFlag(error.file);
  if (option?.parameter) {
    const field = `query.${option.parameter}`;
    const message = `${field}: ${forUser(error.reason, upload)}`;
    return new ApiError(400, "invalid_request", message, field, [{ field, message }]);
  }
  const message = forUser(error.message, upload);
  // The status is the error table's (model/errors.ts): a zip over the size limits is a 413,
  // any other bad file a 400 that lists its one issue.
  const { status, code } = ERROR_TABLE[error.code].http;
  return new ApiError(status, code, message, "body", status === 400 ? [{ field: "body", message }] : []);
}
