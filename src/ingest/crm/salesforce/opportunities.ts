/**
 * Opportunity.csv: the opportunities that become leads.
 *
 * - Status from IsClosed/IsWon; StageSortOrder is counted per stage for the stage order
 *   (stages.ts).
 * - closed_at: the time the stage history entered the (closed) current stage; else
 *   LastStageChangeDate; else CloseDate, which is an error when before CreatedDate (it is a
 *   user-entered date; the error asks for OpportunityHistory.csv).
 * - Money: Amount in CurrencyIsoCode (or `--currency` when the org has no such column, i.e. a
 *   single-currency org), converted with `--rates`; a negative Amount is an error (Verity
 *   values deals at zero or more).
 * - loss_reason: `--loss-reason-field`, else Loss_Reason__c then LossReason__c (first
 *   non-empty), and only on lost opportunities (a reason left on an open or won deal is
 *   stale; a note counts them). No such column -> `lacks` loss_reasons.
 */
import { ImportError } from "../../import-error.js";
import type { FormatOptions } from "../../importer.js";
import type { CanonicalTables } from "../canonical-tables.js";
import type { Problems } from "../problems.js";
import { money, type Rates } from "../rates.js";
import { parseAmount } from "../values.js";
import { type ExportFile, open, type Source } from "./export-files.js";
import { bump, checkDuplicate, fail, flag, idOf, orNull, requireId, time } from "./fields.js";
import type { StageEvent } from "./stage-history.js";

export type Status = "open" | "won" | "lost";

export type Opportunity = {
  line: number;
  id: string;
  name: string | null;
  accountId: string | null;
  contactId: string | null;
  ownerId: string | null;
  stage: string;
  status: Status;
  value: string;
  currency: string;
  createdAt: string;
  closeDate: string;
  lastStageChange: string;
  leadSource: string;
  campaignId: string | null;
  lossReason: string | null;
};

export type Opportunities = {
  source: Source;
  rows: Opportunity[];
  /** StageSortOrder values seen per stage, counted. */
  sortOrders: Map<string, Map<number, number>>;
  lossReasonColumns: string[];
};

export async function readOpportunities(
  file: ExportFile,
  options: FormatOptions,
  rates: Rates | null,
  tables: CanonicalTables,
  problems: Problems,
): Promise<Opportunities> {
  const source = await open(
    file,
    "opportunity",
    ["Id", "StageName", "IsClosed", "IsWon", "CreatedDate"],
    ["CreatedDate", "CloseDate", "LastStageChangeDate"],
    options,
  );
  const f = source.file;
  let lossReasonColumns: string[];
  if (options.lossReasonField) {
    if (!f.has(options.lossReasonField)) {
      throw new ImportError(
        file.name,
        1,
        options.lossReasonField,
        "the loss-reason field named by --loss-reason-field is not a column of Opportunity.csv",
      );
    }
    lossReasonColumns = [options.lossReasonField];
  } else {
    lossReasonColumns = ["Loss_Reason__c", "LossReason__c"].filter((c) => f.has(c));
  }
  const hasCurrencyColumn = f.has("CurrencyIsoCode");
  const rows: Opportunity[] = [];
  const sortOrders = new Map<string, Map<number, number>>();
  const seen = new Map<string, number>();
  let staleReasons = 0;
  for (const row of f.rows) {
    const opportunity = problems.row((): Opportunity | null => {
      const id = requireId(source, row);
      checkDuplicate(seen, source, row, id);
      if (flag(source, row, "IsDeleted")) {
        tables.skip("opportunity deleted in Salesforce (IsDeleted 1)");
        return null;
      }
      const stage = row.get("StageName");
      if (stage === "") throw fail(source, row, "StageName", "the opportunity has no stage");
      const closed = flag(source, row, "IsClosed");
      const won = flag(source, row, "IsWon");
      if (closed === null) throw fail(source, row, "IsClosed", "IsClosed is empty (expected 0 or 1)");
      if (won && !closed) throw fail(source, row, "IsWon", "IsWon is 1 but IsClosed is 0: a won deal is closed");
      const status: Status = !closed ? "open" : won ? "won" : "lost";
      const sortText = row.get("StageSortOrder");
      if (sortText !== "") {
        const position = Number(sortText);
        if (!Number.isInteger(position) || position < 0) {
          throw fail(source, row, "StageSortOrder", `${JSON.stringify(sortText)} is not a stage sort order`);
        }
        let counts = sortOrders.get(stage);
        if (!counts) {
          counts = new Map();
          sortOrders.set(stage, counts);
        }
        bump(counts, position);
      } else if (!sortOrders.has(stage)) {
        sortOrders.set(stage, new Map());
      }
      const createdAt = time(source, row, "CreatedDate");
      if (createdAt === "") throw fail(source, row, "CreatedDate", "the opportunity has no CreatedDate");
      const amount = parseAmount(f, row.line, "Amount", row.get("Amount"));
      if (amount !== null && amount < 0) {
        throw fail(source, row, "Amount", `${row.get("Amount")} is negative; deal values are 0 or more`);
      }
      let currency = hasCurrencyColumn ? row.get("CurrencyIsoCode") : "";
      let currencyColumn = "CurrencyIsoCode";
      if (currency === "" && amount !== null) {
        if (!options.currency) {
          throw fail(
            source,
            row,
            hasCurrencyColumn ? "CurrencyIsoCode" : "Amount",
            hasCurrencyColumn
              ? "the amount has no currency; fill CurrencyIsoCode or give --currency"
              : "the export has no CurrencyIsoCode column (a single-currency org): give its currency with --currency, e.g. --currency EUR",
          );
        }
        currency = options.currency;
        currencyColumn = "Amount";
      }
      const { value, currency: code } = money(amount, currency, rates, {
        file: file.name,
        line: row.line,
        column: f.column(currencyColumn) ?? currencyColumn,
      });
      let lossReason: string | null = null;
      for (const column of lossReasonColumns) {
        const reason = row.get(column);
        if (reason !== "") {
          lossReason = reason;
          break;
        }
      }
      if (lossReason !== null && status !== "lost") staleReasons += 1;
      return {
        line: row.line,
        id,
        name: orNull(row.get("Name")),
        accountId: idOf(row.get("AccountId")),
        contactId: idOf(row.get("ContactId")),
        ownerId: idOf(row.get("OwnerId")),
        stage,
        status,
        value,
        currency: code,
        createdAt,
        closeDate: time(source, row, "CloseDate"),
        lastStageChange: time(source, row, "LastStageChangeDate"),
        leadSource: row.get("LeadSource"),
        campaignId: idOf(row.get("CampaignId")),
        lossReason,
      };
    });
    if (opportunity) rows.push(opportunity);
  }
  if (staleReasons > 0) {
    tables.note(
      `${staleReasons} open or won opportunities carry a loss reason; it was left out (only lost leads have one)`,
    );
  }
  return { source, rows, sortOrders, lossReasonColumns };
}

/** closed_at of a closed opportunity (module comment). */
export function closedAtOf(o: Opportunity, events: readonly StageEvent[], source: Source): string {
  const last = events[events.length - 1];
  let at: string;
  let column: string;
  if (last && last.to === o.stage) {
    // The last visit to the closed stage began at the last event entering it.
    let entered = last;
    for (let i = events.length - 1; i >= 0 && events[i]?.to === o.stage; i--) entered = events[i] as StageEvent;
    at = entered.at;
    column = "StageName";
  } else if (o.lastStageChange !== "") {
    at = o.lastStageChange;
    column = "LastStageChangeDate";
  } else if (o.closeDate !== "") {
    at = o.closeDate;
    column = "CloseDate";
  } else {
    throw new ImportError(
      source.file.file,
      o.line,
      source.file.column("CloseDate") ?? "CloseDate",
      "a closed opportunity without stage history, LastStageChangeDate or CloseDate has no close time",
    );
  }
  if (at < o.createdAt) {
    throw new ImportError(
      source.file.file,
      o.line,
      source.file.column(column) ?? column,
      `the opportunity closed (${at}) before it was created (${o.createdAt})${column === "CloseDate" ? "; CloseDate is a date users edit: add OpportunityHistory.csv from the same export, whose row entering the closed stage gives the real close time" : ""}`,
    );
  }
  return at;
}
