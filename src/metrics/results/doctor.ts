/**
 * What data health (src/insights/doctor.ts; `verity doctor`, GET /api/doctor, the dashboard's
 * banner) answers. Type-only and free of Node, shared with the dashboard (results/common.ts
 * says why).
 */
import type { DataCapability } from "../../model/capabilities.js";
import type { DataArea } from "./common.js";

export type DoctorStatus = "supported" | "partly" | "unsupported";

/**
 * What a metric can lack: a capability of the data, any leads at all, follower counts, or
 * enough earlier periods for normal variation.
 */
export type DoctorNeed = DataCapability | "leads" | "followers" | "history";

export type DoctorMissing = {
  need: DoctorNeed;
  /** "unsupported": the metric cannot be shown; "partly": the figures named in `message` cannot. */
  effect: Exclude<DoctorStatus, "supported">;
  /** What is missing. */
  message: string;
  /** What of the metric it takes away ("the whole metric" when the effect is unsupported). */
  affects: string;
  /** The data or import option that fixes it, as a command-line user would do it. */
  fix: string;
  /** `message` and `fix` in Swedish (the dashboard's banner in Swedish). */
  sv: { message: string; fix: string };
  /** The import option the fix names (a key of IMPORT_OPTIONS: qualifyingStage, lossReasonField), if any. */
  option: string | null;
  /** Values the option can take in this workspace (the stage names for qualifyingStage). */
  choices: string[];
};

/**
 * `Table` is the canonical tables' names (src/model/canonical.ts TableName, which
 * insights/doctor.ts fills in); a plain string here, since canonical.ts is runtime code this
 * folder does not import.
 */
export type DoctorEntry<Table extends string = string> = {
  kind: "metric" | "vanity";
  id: string;
  title: string;
  /** The data it reads; its span of time is that area's. */
  area: DataArea;
  status: DoctorStatus;
  /** The tables it reads, with the workspace's rows in each. */
  tables: { name: Table; rows: number }[];
  /** First and last moment of its area's data (ISO); null when the area holds none. */
  data: { start: string; end: string } | null;
  /** Its "as of" (the area's last moment, or the default period's end when earlier) and where it came from. */
  asOf: string | null;
  /**
   * Whole calendar quarters (the default period's length) and months of its area's data
   * before the default period: normal variation needs `needed` of them.
   */
  history: { earlierQuarters: number; earlierMonths: number; needed: number };
  missing: DoctorMissing[];
};

export type DoctorReport<Table extends string = string> = {
  workspace: string;
  /** The default period (the calendar quarter of the latest data); null when nothing is loaded. */
  period: { label: string; start: string; end: string } | null;
  /** Each kind of data: its first and last moment, and whole quarters before the default period. */
  areas: Record<DataArea, { start: string; end: string; earlierQuarters: number } | null>;
  /** Rows per canonical table in the workspace. */
  tables: Record<Table, number>;
  summary: Record<DoctorStatus, number>;
  metrics: DoctorEntry<Table>[];
  vanity: DoctorEntry<Table>[];
};
