/**
 * The CSV export of Matomo's visits log (`Live.getLastVisitsDetails&format=CSV`), as
 * core/DataTable/Renderer/Csv.php writes it:
 *
 * - UTF-16LE with a byte order mark (convertToUnicode, the default), or UTF-8 with
 *   `convertToUnicode=0`; comma-separated, `\n` between rows, none after the last.
 * - One row per visit. Nested lists are flattened into columns: `actionDetails_0_type`,
 *   `actionDetails_0_url`, ..., `actionDetails_12_url`; with `translateColumnNames=1` the
 *   form is `type (actionDetails 0)`. The header is every column any visit has, in the order
 *   first met, so the columns of a later visit's 13th action come after all the others; a
 *   visit with fewer actions has those cells empty.
 * - `false` is written 0 (an anonymised visitorId reads 0), and a text that starts with
 *   = + - or @ gets a leading apostrophe (a guard against spreadsheet formulas): removed here.
 * - Cells are not quoted for line breaks, so a page title holding one breaks the row (the
 *   row then has too few cells and is refused with its line).
 *
 * Rows are read one at a time (source-file.ts's step mode); the file's text is decoded whole.
 */
import { readSourceFile, type SourceRow } from "../../crm/source-file.js";
import { ImportError } from "../../import-error.js";
import type { FieldReader, Place, VisitRecord } from "./record.js";

/** What Matomo writes instead of a CSV when there are no visits (Renderer/Csv.php). */
const NO_DATA = "No data available";

const FLAT = /^actionDetails_(\d+)_(.+)$/;
const TRANSLATED = /^(.+) \(actionDetails (\d+)\)$/;

/** The columns of each action, by position, from the header. */
function actionColumns(header: readonly string[]): Map<string, string>[] | null {
  const byIndex: Map<string, string>[] = [];
  let any = false;
  for (const name of header) {
    const flat = FLAT.exec(name);
    const translated = flat ? null : TRANSLATED.exec(name);
    const index = flat ? Number(flat[1]) : translated ? Number(translated[2]) : null;
    const field = flat ? flat[2] : translated ? translated[1] : null;
    if (index === null || field === undefined || field === null) continue;
    any = true;
    let columns = byIndex[index];
    if (!columns) {
      columns = new Map();
      byIndex[index] = columns;
    }
    columns.set(field, name);
  }
  if (!any) return null;
  return Array.from(byIndex, (columns) => columns ?? new Map<string, string>());
}

/** Calls `each` with every visit of the file, in file order. */
export async function readCsvVisits(file: string, each: (visit: () => VisitRecord) => void): Promise<void> {
  const source = await readSourceFile(file);
  if (source.header.length === 1 && source.header[0] === NO_DATA) {
    throw new ImportError(
      file,
      1,
      null,
      `Matomo answered "${NO_DATA}": the export holds no visits (check idSite, period and date)`,
    );
  }
  for (const column of ["idSite", "idVisit", "visitorId"]) {
    if (!source.header.includes(column)) {
      throw new ImportError(
        file,
        1,
        column,
        "the column is missing from the header (a Matomo visits log has idSite, idVisit and visitorId; was it hidden with hideColumns?)",
      );
    }
  }
  const actions = actionColumns(source.header);
  if (!source.header.includes("firstActionTimestamp") && !actions?.some((a) => a.has("timestamp"))) {
    throw new ImportError(
      file,
      1,
      "firstActionTimestamp",
      "the column is missing from the header, and no action has a timestamp: the visits have no time",
    );
  }
  source.forEachRow((row) => each(() => csvVisit(row, actions)));
}

function csvVisit(row: SourceRow, actions: Map<string, string>[] | null): VisitRecord {
  const reader = (column: (name: string) => string): FieldReader => ({
    field: (name) => unguard(row.get(column(name))),
    place: (name): Place => ({ line: row.line, column: column(name) }),
  });
  const visit = reader((name) => name);
  const present = actions
    ? actions
        // Every action has a type; a visit with fewer actions than the widest leaves them empty.
        .map((columns, i) => reader((name) => columns.get(name) ?? `actionDetails_${i}_${name}`))
        .filter((action) => action.field("type") !== "")
    : null;
  return { ...visit, actions: present };
}

/** A cell without the apostrophe Matomo puts before text that starts like a formula. */
function unguard(cell: string): string {
  return /^'[=+\-@]/.test(cell) ? cell.slice(1) : cell;
}
