/**
 * The Maven Analytics "CRM Sales Opportunities" dataset (a fictitious B2B hardware seller),
 * as downloaded: a directory with sales_pipeline.csv, sales_teams.csv, products.csv and
 * accounts.csv. It is converted into canonical table files, which the shared pipeline loads.
 *
 * Mapping decisions:
 * - PATH is the downloaded directory; data_dictionary.csv is ignored. A missing file is an
 *   ImportError naming it. Files are read with papaparse (CRLF or LF, optional BOM); every
 *   error names the file, the physical line (header = line 1) and the column.
 * - Source system `maven`. Ids carry a `maven:` prefix so they cannot collide with other
 *   sources in a workspace: lead `maven:<opportunity_id>` (external_id = opportunity_id),
 *   rep `maven:<slug of the agent's name>` (external_id = the name).
 * - Reps: every agent of sales_teams.csv, with or without deals; team = manager, region =
 *   regional_office, active. An agent in sales_pipeline.csv that sales_teams.csv lacks is an
 *   error (a blank agent leaves the lead without an owner, and a note says how many).
 * - One pipeline `maven:pipeline` with stages prospecting (0), engaging (1, qualifying),
 *   won (2, kind won) and lost (3, kind lost): the dataset's deal_stage names won and lost
 *   as stages, so they are stages of kind won/lost here.
 * - Leads: Won -> won, Lost -> lost, Engaging/Prospecting -> open, at the matching stage.
 *   created_at = engage_date; qualified_at = engage_date unless Prospecting; closed_at =
 *   close_date for won and lost. Prospecting rows have no dates at all: they are created at
 *   the dataset's as-of date (the latest engage_date or close_date in the file), and a
 *   note says so with the count.
 * - Value: won -> close_value; lost and open -> the product's sales_price from products.csv
 *   (the value at stake; lost rows carry close_value 0). Currency USD. Products match
 *   ignoring spaces and case, because the pipeline writes `GTXPro` for `GTX Pro`.
 * - Lead name `<product> for <account>` (just `<product>` without an account); account =
 *   the account's name, empty when blank (1,425 rows in the real file: kept, not skipped).
 *   source_channel is left empty: the dataset does not say where leads came from.
 * - accounts.csv is read to validate the pipeline's account names only; its sector column
 *   has the known misspelling `technolgy`, which does not matter since Verity does not
 *   store sectors (yet).
 * - Stage events derived from the dates: Prospecting -> (-> prospecting at created_at);
 *   others -> (-> engaging at engage_date), plus (engaging -> won|lost at close_date) when
 *   closed; rep_id = the lead's owner. Being derived from two dates, they are not a stage
 *   history: `lacks` includes stage_history, so stage durations are reported as unknown.
 * - Errors: unknown deal_stage, product, agent or account; an impossible date (2017-02-30)
 *   or one not written YYYY-MM-DD; a close_date before the engage_date; dates that contradict
 *   the stage (a Won deal without close_date, an Engaging one with one, a Prospecting one
 *   with dates); a Won deal without a valid close_value; a duplicate opportunity_id (naming
 *   both lines).
 * - Output: canonical CSV files (written with Papa.unparse) in a fresh temporary directory
 *   that `cleanup` removes; timestamps are written as dates (YYYY-MM-DD = midnight UTC).
 */
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Papa from "papaparse";
import { columnNames, TABLES, type TableName } from "../model/canonical.js";
import type { DataCapability } from "../model/capabilities.js";
import { ImportError } from "./import-error.js";
import { type Importer, onePath, type PreparedImport, type TableFile } from "./importer.js";

export const MAVEN_SOURCE = "maven";

const FILES = {
  pipeline: "sales_pipeline.csv",
  teams: "sales_teams.csv",
  products: "products.csv",
  accounts: "accounts.csv",
} as const;

const PIPELINE_ID = "maven:pipeline";
const CURRENCY = "USD";

type DealStage = "Prospecting" | "Engaging" | "Won" | "Lost";

type Stage = {
  deal: DealStage;
  id: string;
  position: number;
  isQualifying: boolean;
  kind: "open" | "won" | "lost";
};

const STAGES: readonly Stage[] = [
  { deal: "Prospecting", id: "maven:prospecting", position: 0, isQualifying: false, kind: "open" },
  { deal: "Engaging", id: "maven:engaging", position: 1, isQualifying: true, kind: "open" },
  { deal: "Won", id: "maven:won", position: 2, isQualifying: false, kind: "won" },
  { deal: "Lost", id: "maven:lost", position: 3, isQualifying: false, kind: "lost" },
];

const LACKS: DataCapability[] = [
  "stage_history",
  "activities",
  "web_visits",
  "social",
  "newsletter",
  "loss_reasons",
  "lead_sources",
];

export const mavenImporter: Importer = {
  format: "maven",
  description:
    "Maven Analytics' CRM Sales Opportunities dataset: the downloaded directory (sales_pipeline.csv, sales_teams.csv, products.csv, accounts.csv)",
  async prepare(paths: readonly string[]): Promise<PreparedImport> {
    const path = onePath("maven", paths);
    const info = await stat(path).catch(() => null);
    if (!info) throw new ImportError(path, null, null, "no such file or directory");
    if (!info.isDirectory()) {
      throw new ImportError(
        path,
        null,
        null,
        `not a directory; give the Maven dataset's directory (with ${Object.values(FILES).join(", ")})`,
      );
    }
    const converted = convert(
      await readCsv(join(path, FILES.teams), ["sales_agent", "manager", "regional_office"]),
      await readCsv(join(path, FILES.products), ["product", "sales_price"]),
      await readCsv(join(path, FILES.accounts), ["account"]),
      await readCsv(join(path, FILES.pipeline), [
        "opportunity_id",
        "sales_agent",
        "product",
        "account",
        "deal_stage",
        "engage_date",
        "close_date",
        "close_value",
      ]),
    );
    return await writeTables(path, converted);
  },
};

// ---------------------------------------------------------------------------------------
// Reading

type CsvRow = { line: number; cell: (column: string) => string };
type CsvFile = { file: string; rows: CsvRow[] };

/**
 * Reads a whole CSV file. Rows keep their physical line: papaparse unquotes cells, so the
 * line breaks inside quoted cells are counted from the cells themselves.
 */
async function readCsv(file: string, required: readonly string[]): Promise<CsvFile> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const all = Object.values(FILES).join(", ");
    throw new ImportError(
      file,
      null,
      null,
      code === "ENOENT" ? `missing; the Maven dataset's directory holds ${all}` : `cannot be read (${String(error)})`,
    );
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const parsed = Papa.parse<string[]>(text, { header: false, delimiter: ",", skipEmptyLines: false });
  const [error] = parsed.errors;
  if (error) {
    const line = error.index === undefined ? null : lineAt(text, error.index);
    throw new ImportError(file, line, null, `not a readable CSV file: ${error.message}`);
  }
  const records = parsed.data;
  const header = (records[0] ?? []).map((name) => name.trim());
  if (header.length === 0 || (header.length === 1 && header[0] === "")) {
    throw new ImportError(
      file,
      1,
      null,
      `the file is empty; the first line must be the header (${required.join(", ")})`,
    );
  }
  const index = new Map<string, number>();
  for (const [i, name] of header.entries()) {
    if (index.has(name)) throw new ImportError(file, 1, name, "the column appears twice in the header");
    index.set(name, i);
  }
  for (const name of required) {
    if (!index.has(name)) {
      throw new ImportError(file, 1, name, `the column is missing from the header (expected ${required.join(", ")})`);
    }
  }

  const rows: CsvRow[] = [];
  let line = 1;
  for (const [r, record] of records.entries()) {
    const start = line;
    for (const cell of record) line += countNewlines(cell);
    line += 1;
    if (r === 0) continue;
    if (record.length === 1 && record[0]?.trim() === "") continue; // a blank line
    if (record.length !== header.length) {
      throw new ImportError(file, start, null, `${record.length} fields where the header has ${header.length}`);
    }
    rows.push({
      line: start,
      cell: (column) => {
        const i = index.get(column);
        return i === undefined ? "" : (record[i] ?? "").trim();
      },
    });
  }
  return { file, rows };
}

function countNewlines(text: string): number {
  let n = 0;
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) n += 1;
  return n;
}

function lineAt(text: string, offset: number): number {
  return 1 + countNewlines(text.slice(0, offset));
}

// ---------------------------------------------------------------------------------------
// Converting

/**
 * The lead columns the dataset fills: the canonical ones but what it has nothing for (no
 * contacts, loss reasons, competitors, sources or utm fields). A column added to the model
 * is filled here, or left out here, before this compiles.
 */
const LEAD_COLUMNS = columnNames("leads", [
  "contact",
  "loss_reason",
  "competitor",
  "source_channel",
  "utm_source",
  "utm_medium",
  "utm_campaign",
  "utm_content",
  "utm_term",
]);
type LeadRow = Record<(typeof LEAD_COLUMNS)[number], string>;

type Converted = {
  reps: string[][];
  leads: LeadRow[];
  stageEvents: string[][];
  notes: string[];
};

type Rep = { id: string; line: number };
type Product = { name: string; price: string; line: number };

function convert(teams: CsvFile, products: CsvFile, accounts: CsvFile, pipeline: CsvFile): Converted {
  // Reps: every agent of sales_teams.csv.
  const reps = new Map<string, Rep>();
  const repIds = new Map<string, { name: string; line: number }>();
  const repRows: string[][] = [];
  for (const row of teams.rows) {
    const name = required(teams, row, "sales_agent");
    const first = reps.get(name);
    if (first) {
      throw new ImportError(
        teams.file,
        row.line,
        "sales_agent",
        `${JSON.stringify(name)} is listed twice (first on line ${first.line})`,
      );
    }
    const id = `maven:${slug(name)}`;
    const clash = repIds.get(id);
    if (clash) {
      throw new ImportError(
        teams.file,
        row.line,
        "sales_agent",
        `${JSON.stringify(name)} and ${JSON.stringify(clash.name)} (line ${clash.line}) would get the same rep id ${id}`,
      );
    }
    reps.set(name, { id, line: row.line });
    repIds.set(id, { name, line: row.line });
    repRows.push([id, name, name, row.cell("manager"), row.cell("regional_office"), "true"]);
  }

  // Products, matched ignoring spaces and case.
  const productByKey = new Map<string, Product>();
  for (const row of products.rows) {
    const name = required(products, row, "product");
    const price = required(products, row, "sales_price");
    if (!isMoney(price)) {
      throw new ImportError(
        products.file,
        row.line,
        "sales_price",
        `${JSON.stringify(price)} is not an amount (such as 1096 or 1096.50)`,
      );
    }
    const key = productKey(name);
    const first = productByKey.get(key);
    if (first) {
      throw new ImportError(
        products.file,
        row.line,
        "product",
        `${JSON.stringify(name)} is listed twice (first on line ${first.line})`,
      );
    }
    productByKey.set(key, { name, price, line: row.line });
  }

  // Accounts: only their names, to check the pipeline's.
  const accountNames = new Set<string>();
  for (const row of accounts.rows) accountNames.add(required(accounts, row, "account"));

  // Opportunities. First pass: validate every row and find the as-of date.
  type Deal = {
    line: number;
    id: string;
    ownerId: string;
    product: Product;
    account: string;
    stage: Stage;
    engage: string;
    close: string;
    closeValue: string;
  };
  const deals: Deal[] = [];
  const seen = new Map<string, number>();
  const file = pipeline.file;
  let asOf = "";
  let unowned = 0;
  const respelt = new Map<string, number>();
  const agentsWithDeals = new Set<string>();
  for (const row of pipeline.rows) {
    const at = (column: string, reason: string) => new ImportError(file, row.line, column, reason);
    const id = required(pipeline, row, "opportunity_id");
    const firstLine = seen.get(id);
    if (firstLine !== undefined) {
      throw at("opportunity_id", `${JSON.stringify(id)} appears twice in the file (first on line ${firstLine})`);
    }
    seen.set(id, row.line);

    const agent = row.cell("sales_agent");
    let ownerId = "";
    if (agent === "") {
      unowned += 1;
    } else {
      const rep = reps.get(agent);
      if (!rep) throw at("sales_agent", `${JSON.stringify(agent)} is not a sales agent in ${FILES.teams}`);
      ownerId = rep.id;
      agentsWithDeals.add(agent);
    }

    const productName = required(pipeline, row, "product");
    const product = productByKey.get(productKey(productName));
    if (!product) {
      const known = [...productByKey.values()].map((p) => p.name).join(", ");
      throw at("product", `${JSON.stringify(productName)} is not a product in ${FILES.products} (${known})`);
    }
    if (product.name !== productName) respelt.set(productName, (respelt.get(productName) ?? 0) + 1);

    const account = row.cell("account");
    if (account !== "" && !accountNames.has(account)) {
      throw at("account", `${JSON.stringify(account)} is not an account in ${FILES.accounts}`);
    }

    const dealStage = required(pipeline, row, "deal_stage");
    const stage = STAGES.find((s) => s.deal.toLowerCase() === dealStage.toLowerCase());
    if (!stage) {
      throw at("deal_stage", `${JSON.stringify(dealStage)} is not one of ${STAGES.map((s) => s.deal).join(", ")}`);
    }

    const engage = date(row, file, "engage_date");
    const close = date(row, file, "close_date");
    const closed = stage.kind !== "open";
    if (stage.deal === "Prospecting") {
      if (engage !== "")
        throw at("engage_date", "a Prospecting opportunity has not been engaged yet, so it has no engage_date");
      if (close !== "") throw at("close_date", "a Prospecting opportunity is not closed, so it has no close_date");
    } else {
      if (engage === "") throw at("engage_date", `a value is required for a ${stage.deal} opportunity`);
      if (closed && close === "") throw at("close_date", `a value is required for a ${stage.deal} opportunity`);
      if (!closed && close !== "")
        throw at("close_date", `an ${stage.deal} opportunity is not closed, so it has no close_date`);
      if (close !== "" && close < engage) throw at("close_date", `${close} is before the engage_date ${engage}`);
    }
    for (const d of [engage, close]) if (d > asOf) asOf = d;

    const closeValue = row.cell("close_value");
    if (closeValue !== "" && !isMoney(closeValue)) {
      throw at("close_value", `${JSON.stringify(closeValue)} is not an amount (such as 1054 or 1054.50)`);
    }
    if (stage.deal === "Won" && closeValue === "") throw at("close_value", "a value is required for a Won opportunity");

    deals.push({ line: row.line, id, ownerId, product, account, stage, engage, close, closeValue });
  }

  // Second pass: leads and their derived stage events.
  const prospecting = deals.filter((d) => d.stage.deal === "Prospecting").length;
  if (prospecting > 0 && asOf === "") {
    throw new ImportError(
      file,
      null,
      "engage_date",
      "no opportunity has a date, so the Prospecting ones cannot be dated",
    );
  }
  const byDeal = (deal: DealStage) => stageOf(deal).id;
  const leads: LeadRow[] = [];
  const stageEvents: string[][] = [];
  for (const d of deals) {
    const leadId = `maven:${d.id}`;
    const createdAt = d.stage.deal === "Prospecting" ? asOf : d.engage;
    const value = d.stage.kind === "won" ? d.closeValue : d.product.price;
    const name = d.account === "" ? d.product.name : `${d.product.name} for ${d.account}`;
    const status = d.stage.kind === "open" ? "open" : d.stage.kind;
    leads.push({
      id: leadId,
      external_id: d.id,
      name,
      account: d.account,
      owner_id: d.ownerId,
      pipeline_id: PIPELINE_ID,
      stage_id: d.stage.id,
      status,
      created_at: createdAt,
      qualified_at: d.stage.deal === "Prospecting" ? "" : d.engage,
      closed_at: d.close,
      value,
      currency: CURRENCY,
    });
    if (d.stage.deal === "Prospecting") {
      stageEvents.push([leadId, "", byDeal("Prospecting"), createdAt, d.ownerId]);
    } else {
      stageEvents.push([leadId, "", byDeal("Engaging"), d.engage, d.ownerId]);
      if (d.stage.kind !== "open") stageEvents.push([leadId, byDeal("Engaging"), d.stage.id, d.close, d.ownerId]);
    }
  }

  const notes: string[] = [];
  const n = (count: number) => count.toLocaleString("en-US");
  if (prospecting > 0) {
    notes.push(
      `${n(prospecting)} Prospecting opportunities have no dates in ${FILES.pipeline}; they are dated at the dataset's as-of date ${asOf} (its latest engage_date or close_date).`,
    );
  }
  notes.push(
    "Won opportunities are valued at their close_value; lost and open ones at the product's sales_price from products.csv (the value at stake), in USD.",
  );
  for (const [spelling, count] of respelt) {
    const product = productByKey.get(productKey(spelling));
    notes.push(
      `${n(count)} opportunities name the product ${JSON.stringify(spelling)}, read as ${JSON.stringify(product?.name)}.`,
    );
  }
  const noAccount = deals.filter((d) => d.account === "").length;
  if (noAccount > 0)
    notes.push(`${n(noAccount)} opportunities have no account; they are imported with an empty account.`);
  if (unowned > 0) notes.push(`${n(unowned)} opportunities have no sales_agent; they are imported without an owner.`);
  const idle = [...reps.keys()].filter((agent) => !agentsWithDeals.has(agent)).length;
  if (idle > 0)
    notes.push(
      `${n(idle)} sales agents of ${FILES.teams} have no opportunities; they are imported as reps all the same.`,
    );
  notes.push(
    "Stage history is derived from engage_date and close_date only (no stage history in the dataset), so stage durations cannot be computed.",
  );
  return { reps: repRows, leads, stageEvents, notes };
}

function stageOf(deal: DealStage): Stage {
  const stage = STAGES.find((s) => s.deal === deal);
  if (!stage) throw new Error(`no stage for ${deal}`);
  return stage;
}

function required(csv: CsvFile, row: CsvRow, column: string): string {
  const value = row.cell(column);
  if (value === "") throw new ImportError(csv.file, row.line, column, "a value is required");
  return value;
}

/** A date written YYYY-MM-DD that exists in the calendar, or "" for an empty cell. */
function date(row: CsvRow, file: string, column: string): string {
  const value = row.cell(column);
  if (value === "") return "";
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match)
    throw new ImportError(file, row.line, column, `${JSON.stringify(value)} is not a date written YYYY-MM-DD`);
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const parsed = new Date(Date.UTC(year, month - 1, day));
  if (parsed.getUTCFullYear() !== year || parsed.getUTCMonth() !== month - 1 || parsed.getUTCDate() !== day) {
    throw new ImportError(file, row.line, column, `${value} is not a date in the calendar`);
  }
  return value;
}

function isMoney(text: string): boolean {
  return /^\d+(\.\d{1,2})?$/.test(text);
}

function productKey(name: string): string {
  return name.replace(/\s+/g, "").toLowerCase();
}

/** `Mei-Mei Johns` -> `mei-mei-johns`; accents dropped, anything else becomes a dash. */
export function slug(name: string): string {
  const s = name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  return s === "" ? encodeURIComponent(name) : s;
}

// ---------------------------------------------------------------------------------------
// Writing

async function writeTables(path: string, converted: Converted): Promise<PreparedImport> {
  const dir = await mkdtemp(join(tmpdir(), "verity-maven-"));
  const cleanup = () => rm(dir, { recursive: true, force: true });
  try {
    const pipelineFile = join(path, FILES.pipeline);
    const teamsFile = join(path, FILES.teams);
    const files: TableFile[] = [];
    const write = async (tableName: TableName, from: string, columns: readonly string[], rows: string[][]) => {
      const known = TABLES[tableName].columns.map((c) => c.name as string);
      for (const c of columns) if (!known.includes(c)) throw new Error(`${c} is not a column of ${tableName}`);
      const file = join(dir, TABLES[tableName].file);
      await writeFile(file, `${Papa.unparse({ fields: [...columns], data: rows }, { newline: "\n" })}\n`, "utf8");
      files.push({ table: tableName, file, columns, displayName: `${from} (converted)` });
    };
    await write("reps", teamsFile, ["id", "external_id", "name", "team", "region", "active"], converted.reps);
    await write("pipelines", pipelineFile, ["id", "name"], [[PIPELINE_ID, "Maven sales pipeline"]]);
    await write(
      "stages",
      pipelineFile,
      ["id", "pipeline_id", "name", "position", "is_qualifying", "kind"],
      STAGES.map((s) => [s.id, PIPELINE_ID, s.deal, String(s.position), String(s.isQualifying), s.kind]),
    );
    await write(
      "leads",
      pipelineFile,
      LEAD_COLUMNS,
      converted.leads.map((lead) => LEAD_COLUMNS.map((column) => lead[column])),
    );
    await write(
      "stage_events",
      pipelineFile,
      ["lead_id", "from_stage_id", "to_stage_id", "changed_at", "rep_id"],
      converted.stageEvents,
    );
    return {
      sourceSystem: MAVEN_SOURCE,
      files,
      skipped: [],
      notes: converted.notes,
      lacks: [...LACKS],
      cleanup,
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
