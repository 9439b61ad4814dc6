/**
 * The seeded B2B company simulator: three years (2023-10-01 .. 2026-09-30) of a field-service
 * software vendor's CRM, website, social accounts and newsletter, written as Verity's canonical
 * CSV files (one per table, canonical.ts). The same size and seed give byte-identical files
 * on any machine and any day; nothing reads the clock or Math.random.
 *
 * The phases: plans (company, social posts, newsletter list) -> lead arrivals (when and
 * through which channel each lead came) -> then side by side the sales side (leads, stage
 * events, activities) and the marketing side (newsletter events, visits, social counters).
 * The sides share only compact integer columns (phase-handoffs.ts), so memory stays bounded,
 * and for sizes m and l the marketing side runs in a worker thread on the second core.
 */
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { TABLE_ORDER, TABLES, type TableName } from "../model/canonical.js";
import { ACTIVITY_FIELDS } from "./activities.js";
import { UtmCatalog } from "./channels.js";
import { buildCompany, isActiveAtEnd } from "./company.js";
import { CsvTableWriter } from "./csv-writer.js";
import { AccountBook, PeopleBook } from "./identities.js";
import { planLeadArrivals } from "./lead-arrivals.js";
import { LEAD_FIELDS, STAGE_EVENT_FIELDS, writeLeads } from "./leads.js";
import { type MarketingInput, type MarketingTable, writeMarketing } from "./marketing.js";
import type { MarketingMessage } from "./marketing-worker.js";
import { planNewsletter, type SimulatedContact, subscriberContacts } from "./newsletter.js";
import { SIZE_PRESETS, type SimulationSize, type SizePreset } from "./sizes.js";
import { planSocial } from "./social.js";
import { RANGE_END_ISO, RANGE_START_ISO } from "./time.js";

export { PLANTED_PATTERNS, type PlantedPattern, type PlantedPeriod } from "./planted-patterns.js";
export { SIZE_PRESETS, type SimulationSize, type SizePreset } from "./sizes.js";
export { RANGE_END_ISO, RANGE_START_ISO } from "./time.js";

const SALES_TABLES = ["reps", "pipelines", "stages", "leads", "stage_events", "activities"] as const;
type SalesTable = (typeof SALES_TABLES)[number];

/** The simulator's field order per sales table (csv-writer maps it onto the canonical columns). */
const SALES_FIELDS: Record<SalesTable, readonly string[]> = {
  reps: ["id", "name", "email", "team", "region", "active"],
  pipelines: ["id", "name"],
  stages: ["id", "pipeline_id", "name", "position", "is_qualifying", "kind"],
  leads: LEAD_FIELDS,
  stage_events: STAGE_EVENT_FIELDS,
  activities: ACTIVITY_FIELDS,
};

export type SimulationOptions = {
  size: SimulationSize;
  seed: number;
  /** Created if missing; existing files of the same names are replaced. */
  outDir: string;
  /** Called now and then while a table is written, with the rows written so far. */
  onProgress?: (table: TableName, rows: number) => void;
  /**
   * Write the marketing tables in a worker thread, on a second core. Default: for sizes m
   * and l when running compiled JavaScript (a worker cannot load the TypeScript sources, as
   * under vitest or tsx). The files are the same either way.
   */
  parallel?: boolean;
  /**
   * Plant the four stories of planted-patterns.ts (default true). False gives the same
   * company with none of them: nothing changes but the company's steady growth, its
   * seasons and its trade fairs, for null simulations (is a change with no cause called
   * a signal?).
   */
  planted?: boolean;
  /**
   * Multiplies the size's leads, accounts, website visitors and newsletter subscribers
   * (default 1; reps, social posts and the social audience stay). A null simulation of many
   * seeds runs on a company a tenth of size s: the tests of signal or noise are calibrated
   * for any n, so a small company is as fair a test as a big one, and far cheaper.
   */
  scale?: number;
  /**
   * A flat company (default false): no growth, no quiet Christmas or summer, no trade fairs.
   * With `planted: false`, nothing changes over time but chance (website visitors still
   * accumulate from the range's start: regular visitors come back for months).
   */
  steady?: boolean;
};

export type SimulationSummary = {
  size: SimulationSize;
  seed: number;
  outDir: string;
  /** Rows written per table (header excluded), in load order. */
  rows: Record<TableName, number>;
  /** The simulated period; every timestamp in the files lies within it. */
  range: { start: string; end: string };
};

const WORKER_URL = new URL("./marketing-worker.js", import.meta.url);

/** Writes a simulated company into `outDir` and says how much of it there is. */
/**
 * The newsletter subscribers of the company `simulate` writes for a size and seed, with their
 * addresses and opt-in times: the demo's contacts for campaigns (a pure function of the two,
 * like every plan).
 */
export function simulatedContacts(size: SimulationSize, seed: number): SimulatedContact[] {
  const sized = SIZE_PRESETS[size];
  if (!sized) throw new Error(`unknown size "${size}"; use s, m, l or xl`);
  const preset = shapedPreset(sized, 1, false);
  return subscriberContacts(planNewsletter(preset, seed), new PeopleBook(new AccountBook(preset.accounts, seed), seed));
}

export async function simulate(options: SimulationOptions): Promise<SimulationSummary> {
  const { size, seed, outDir } = options;
  const planted = options.planted ?? true;
  const sized = SIZE_PRESETS[size];
  if (!sized) throw new Error(`unknown size "${size}"; use s, m, l or xl`);
  const preset = shapedPreset(sized, options.scale ?? 1, options.steady ?? false);
  if (!Number.isSafeInteger(seed)) throw new Error(`seed must be an integer, got ${seed}`);
  const progress = options.onProgress ?? (() => {});
  // Size s is done in about a second; a worker's start-up would eat most of its gain.
  const parallel =
    options.parallel ?? (size !== "s" && import.meta.url.endsWith(".js") && existsSync(fileURLToPath(WORKER_URL)));
  await mkdir(outDir, { recursive: true });

  const company = buildCompany(preset, seed, planted);
  const accounts = new AccountBook(preset.accounts, seed);
  const people = new PeopleBook(accounts, seed);
  const social = planSocial(preset, seed, planted);
  const newsletter = planNewsletter(preset, seed);
  const utm = new UtmCatalog({
    postCampaigns: social.campaign,
    postNetworks: Array.from(social.network),
    issueCampaigns: newsletter.issues.map((issue) => issue.campaign),
  });
  const { arrivals, conversions, forced } = planLeadArrivals({ preset, seed, social, newsletter, planted });
  const marketingInput: MarketingInput = {
    preset,
    seed,
    outDir,
    conversions: conversions.columns(),
    forced: forced.columns(),
    planted,
  };
  const marketing = parallel ? runInWorker(marketingInput, progress) : undefined;

  const writers = new Map(SALES_TABLES.map((t) => [t, new CsvTableWriter(t, outDir, SALES_FIELDS[t])]));
  const w = (table: SalesTable): CsvTableWriter => {
    const writer = writers.get(table);
    if (!writer) throw new Error(`no writer for ${table}`);
    return writer;
  };
  const finish = async (...tables: SalesTable[]) => {
    for (const table of tables) {
      await w(table).close();
      progress(table, w(table).rows);
    }
  };
  try {
    for (const rep of company.reps) {
      w("reps").values([rep.id, rep.name, rep.email, rep.team, rep.region, isActiveAtEnd(rep)]);
    }
    for (const pipeline of company.pipelines) {
      w("pipelines").values([pipeline.id, pipeline.name]);
      for (const stage of pipeline.stages) {
        w("stages").values([stage.id, pipeline.id, stage.name, stage.position, stage.isQualifying, "open"]);
      }
    }
    await finish("reps", "pipelines", "stages");
    await writeLeads({
      preset,
      seed,
      company,
      accounts,
      people,
      utm,
      arrivals,
      out: { leads: w("leads"), stageEvents: w("stage_events"), activities: w("activities") },
      onProgress: progress,
      planted,
    });
    await finish("leads", "stage_events", "activities");
  } catch (error) {
    for (const writer of writers.values()) writer.discard();
    await marketing?.cancel();
    throw error;
  }
  const marketingRows = marketing ? await marketing.done : await writeMarketing(marketingInput, progress);

  // Tables the simulated company has nothing for (imported identities: its visitors identify
  // through the leads they become; daily totals: it has every visit) are written with their
  // header alone, so the output is a whole canonical export.
  for (const table of TABLE_ORDER) {
    if (writers.has(table as SalesTable) || table in marketingRows) continue;
    await writeFile(join(outDir, TABLES[table].file), `${TABLES[table].columns.map((c) => c.name).join(",")}\n`);
  }
  const rows = Object.fromEntries(
    TABLE_ORDER.map((t) => [t, writers.get(t as SalesTable)?.rows ?? marketingRows[t as MarketingTable] ?? 0]),
  ) as Record<TableName, number>;
  return { size, seed, outDir, rows, range: { start: RANGE_START_ISO, end: RANGE_END_ISO } };
}

/** The size's preset scaled and, for a steady company, flat (the default preset is returned as is). */
function shapedPreset(preset: SizePreset, scale: number, steady: boolean): SizePreset {
  if (!(scale > 0 && scale <= 1)) throw new Error(`scale must be above 0 and at most 1, got ${scale}`);
  if (scale === 1 && !steady) return preset;
  const scaled = (n: number) => Math.max(1, Math.round(n * scale));
  return {
    ...preset,
    leads: scaled(preset.leads),
    accounts: scaled(preset.accounts),
    visitors: scaled(preset.visitors),
    subscribers: scaled(preset.subscribers),
    ...(steady ? { steady } : {}),
  };
}

function runInWorker(
  input: MarketingInput,
  progress: (table: TableName, rows: number) => void,
): { done: Promise<Record<MarketingTable, number>>; cancel: () => Promise<void> } {
  const transfer = [...Object.values(input.conversions), ...Object.values(input.forced.clicks), input.forced.converted];
  const worker = new Worker(WORKER_URL, {
    workerData: input,
    transferList: transfer.map((a) => a.buffer as ArrayBuffer),
  });
  const done = new Promise<Record<MarketingTable, number>>((resolve, reject) => {
    let result: Record<MarketingTable, number> | undefined;
    worker.on("message", (message: MarketingMessage) => {
      if (message.type === "progress") progress(message.table as TableName, message.rows);
      else result = message.rows as Record<MarketingTable, number>;
    });
    worker.on("error", reject);
    worker.on("exit", (code) => {
      if (result) resolve(result);
      else reject(new Error(`the marketing worker stopped (exit code ${code}) before it finished`));
    });
  });
  // A failure of the sales side must not leave the worker writing on.
  done.catch(() => {});
  return {
    done,
    cancel: async () => {
      await worker.terminate();
    },
  };
}
