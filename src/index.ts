/**
 * Verity as a library: the reports, the vanity check, data health and imports that `verity`
 * and its HTTP API give, for a script, a Slack bot or a notebook, with the same result types
 * the API answers with.
 *
 *     import { openVerity } from "verity";
 *     const verity = await openVerity({ database: "verity.duckdb" });
 *     try {
 *       const report = await verity.report({ period: "2026-Q2", compare: "previous", metrics: ["funnel"] });
 *       for (const metric of report.metrics) console.log(metric.title, metric.headlines[0]?.value);
 *     } finally {
 *       await verity.close();
 *     }
 *
 * Errors a user can fix (an unknown metric or period, a bad file) are `VerityError`s with a
 * `code` and a message that names the field, as on the command line.
 */
import { existsSync } from "node:fs";
import { checkWorkspaceId, DEFAULT_WORKSPACE } from "./accounts/workspaces.js";
import { detectFormat } from "./ingest/crm/detect.js";
import { type FormatOptions, type ImportProgress, type ImportSummary, runImport } from "./ingest/importer.js";
import { importerFor } from "./ingest/importers.js";
import { type DoctorReport, doctor } from "./insights/doctor.js";
import { checkFor, type VanityCheck } from "./insights/vanity-check.js";
import type { MetricRequest } from "./metrics/context.js";
import { type ReportEnvelope, runReport } from "./metrics/report-envelope.js";
import { checkedProgramRequest, metricsOf } from "./metrics/request.js";
import { VerityError } from "./model/errors.js";
import { openStore, resolveStoreTarget } from "./store/open-store.js";
import type { Store } from "./store/store.js";

export type { FormatOptions, ImportProgress, ImportSummary } from "./ingest/importer.js";
export type { DoctorReport } from "./insights/doctor.js";
export type { VanityCheck, VanityFinding } from "./insights/vanity-check.js";
export type { MetricRequest } from "./metrics/context.js";
export { METRICS } from "./metrics/registry.js";
export type { ReportEnvelope } from "./metrics/report-envelope.js";
export type * from "./metrics/results/common.js";
export type { DataCapability } from "./model/capabilities.js";

export { type ErrorCode, VerityError } from "./model/errors.js";

/** Where the data is: a DuckDB file (the default, `verity.duckdb`) or a PostgreSQL URL. */
export type OpenOptions = {
  /** A DuckDB file; created when missing. Default: VERITY_DB, else verity.duckdb. */
  database?: string;
  /** A PostgreSQL connection URL; default: VERITY_DATABASE_URL when set. */
  databaseUrl?: string;
  /** The workspace read and written; default: VERITY_WORKSPACE, else "default". */
  workspace?: string;
};

/** A report's request: as `verity report` takes it, plus which metrics (default: all nine). */
export type ReportRequest = Omit<MetricRequest, "workspace"> & { metrics?: readonly string[] };

export type ImportFilesOptions = FormatOptions & {
  /** The format (`verity`, `maven`, `salesforce`, `hubspot`, ...); detected from the files when left out. */
  format?: string;
  onProgress?: (progress: ImportProgress) => void;
};

export type Verity = {
  /** The nine metrics (or those named) for a period, each beside the vanity metrics it replaces. */
  report(request?: ReportRequest): Promise<ReportEnvelope>;
  /** Each vanity metric against its real counterpart, with the verdict on what their movements mean. */
  check(request?: Omit<MetricRequest, "workspace">): Promise<VanityCheck>;
  /** What the loaded data can support, metric by metric, and what would fix the rest. */
  doctor(): Promise<DoctorReport>;
  /** Imports files in one transaction: all of it, or nothing when any row is refused. */
  importFiles(paths: string | readonly string[], options?: ImportFilesOptions): Promise<ImportSummary>;
  close(): Promise<void>;
};

export async function openVerity(options: OpenOptions = {}): Promise<Verity> {
  const workspace = checkWorkspaceId(options.workspace ?? (process.env.VERITY_WORKSPACE || DEFAULT_WORKSPACE));
  const target = resolveStoreTarget({ db: options.database, databaseUrl: options.databaseUrl });
  const store: Store = await openStore(target);
  return {
    async report(request = {}) {
      const { metrics, ...filters } = checkedProgramRequest(request);
      return runReport(store, metricsOf(metrics ?? []), { ...filters, workspace });
    },
    check: async (request = {}) => checkFor(store, { ...checkedProgramRequest(request), workspace }),
    doctor: () => doctor(store, workspace),
    async importFiles(paths, { format, onProgress, ...formatOptions } = {}) {
      const list = typeof paths === "string" ? [paths] : [...paths];
      // As `verity import` says it, before anything is read or written.
      for (const path of list) {
        if (!existsSync(path)) throw new VerityError("usage", `${path}: no such file or directory`, "paths");
      }
      const importer = importerFor(format ?? (await detectFormat(list)).format);
      return runImport(store, importer, list, {
        workspace,
        format: formatOptions,
        ...(onProgress ? { onProgress } : {}),
      });
    },
    close: () => store.close(),
  };
}
