/**
 * A section's file joined to other files on key columns (a mapping's `join:`): marketing-
 * qualified leads in one file, the closed deals in another, joined on a lead id.
 *
 * - Left join (the default): every row of the section's file is kept; a row without a
 *   partner reads the joined columns as empty, and how many had none is noted. Inner join:
 *   such rows are left out and counted as skipped. A joined file's row that no row of the
 *   section's file matches is counted as skipped either way: nothing is dropped unsaid.
 * - Keys match exactly (cells are trimmed); a row with an empty key cell has no partner.
 * - A key twice in a joined file is a problem naming both lines (with --skip-invalid the later
 *   row is refused and the first kept): which of two deals belongs to a lead is not guessed.
 * - A joined column is read as `<alias>.<header>` (`deals.Amount`); a key on the section's
 *   side may name an earlier join's column, so files chain (leads → deals → invoices).
 * - A problem in a joined column is moved to the joined file's own line and header
 *   (`relocate`), so the user is sent to the cell that is wrong.
 *
 * Memory: each joined file is held whole (every file of a mapped import is: source-file.ts
 * reads a file into memory), plus one map entry per row keyed by the join key: comfortable
 * up to a few hundred thousand rows per file.
 */
import { basename } from "node:path";
import Papa from "papaparse";
import { ImportError } from "../../import-error.js";
import type { SourceFile, SourceRow } from "../source-file.js";
import type { JoinSpec } from "./mapping-file.js";

/** A section's rows as the converter reads them: its own file's, with their partners' columns. */
export type SectionSource = SourceFile & {
  /** Every file read: the section's first, then the joined ones. */
  readonly files: readonly SourceFile[];
  /** A problem about a joined column (`deals.Amount`) moved to the joined file's line and header. */
  relocate(error: ImportError): ImportError;
  /** The original record at a line of one of the files read, as CSV text (for the rejects file). */
  recordAt(file: string, line: number): string | null;
};

export type Joined = { spec: JoinSpec; source: SourceFile };

/** What a join tells the import: counts of unmatched rows, and duplicate keys (problems). */
export type JoinReport = {
  /** A problem with a row of a joined file (a duplicate key), with its record: thrown, collected or refused. */
  problem(error: ImportError, record: string): void;
  skip(reason: string, count: number): void;
  note(text: string): void;
};

type Partner = { source: SourceFile; row: SourceRow };

/** The section's file alone (no join): the same interface, nothing moved. */
export function plainSource(source: SourceFile): SectionSource {
  return joinSources(source, [], { problem: () => {}, skip: () => {}, note: () => {} });
}

export function joinSources(primary: SourceFile, joins: readonly Joined[], report: JoinReport): SectionSource {
  const primaryName = basename(primary.file);
  const aliasIndex = new Map(joins.map((j, i) => [j.spec.alias, i]));
  const resolved = new Map<string, { index: number; header: string } | null>();
  /** `deals.Amount` → join 0's `Amount`; null for a column of the section's file. */
  const resolve = (column: string) => {
    let hit = resolved.get(column);
    if (hit === undefined) {
      const dot = column.indexOf(".");
      const index = dot > 0 ? aliasIndex.get(column.slice(0, dot)) : undefined;
      hit = index === undefined ? null : { index, header: column.slice(dot + 1) };
      resolved.set(column, hit);
    }
    return hit;
  };

  type JoinedRow = SourceRow & { partners: (Partner | null)[] };
  const rowOf = (own: SourceRow, partners: (Partner | null)[]): JoinedRow => ({
    line: own.line,
    partners,
    get: (column) => {
      const joined = resolve(column);
      if (!joined) return own.get(column);
      return partners[joined.index]?.row.get(joined.header) ?? "";
    },
  });

  let rows: JoinedRow[] = primary.rows.map((row) => rowOf(row, []));
  for (const [i, { spec, source }] of joins.entries()) {
    const keyText = spec.on.map((k) => k.primary).join(", ");
    // The joined file keyed by the join key; a key met twice: the first row wins, the later one is a problem.
    const byKey = new Map<string, SourceRow>();
    let emptyKeys = 0;
    for (const row of source.rows) {
      const key = keyOf(spec.on.map((k) => row.get(k.joined)));
      if (key === null) {
        emptyKeys += 1;
        continue;
      }
      const first = byKey.get(key);
      if (first) {
        const column = spec.on[0]?.joined ?? "";
        report.problem(
          new ImportError(
            source.file,
            row.line,
            source.column(column) ?? column,
            `the key ${spec.on.map((k) => row.get(k.joined)).join(", ")} appears twice in the file joined as ${spec.alias} (first on line ${first.line}): a row of ${primaryName} would have two partners (the mapping's ${spec.path})`,
          ),
          recordText(source, row),
        );
        continue;
      }
      byKey.set(key, row);
    }
    const matched = new Set<SourceRow>();
    let unmatched = 0;
    const kept: JoinedRow[] = [];
    for (const row of rows) {
      const key = keyOf(spec.on.map((k) => row.get(k.primary)));
      const partner = key === null ? undefined : byKey.get(key);
      if (partner) matched.add(partner);
      else unmatched += 1;
      row.partners[i] = partner ? { source, row: partner } : null;
      if (partner || spec.type === "left") kept.push(row);
    }
    rows = kept;
    const joinedName = basename(source.file);
    if (unmatched > 0) {
      if (spec.type === "inner") {
        report.skip(`rows of ${primaryName} with no row in ${joinedName} (inner join on ${keyText})`, unmatched);
      } else {
        report.note(
          `${unmatched} row${unmatched === 1 ? "" : "s"} of ${primaryName} ${unmatched === 1 ? "has" : "have"} no row in ${joinedName} (left join on ${keyText}): kept, ${spec.alias}.* read as empty`,
        );
      }
    }
    const orphans = byKey.size - matched.size + emptyKeys;
    if (orphans > 0) {
      report.skip(
        `rows of ${joinedName} whose ${spec.on.map((k) => k.joined).join(", ")} matches no row of ${primaryName}`,
        orphans,
      );
    }
  }

  const byLine = new Map(rows.map((r) => [r.line, r]));
  const lineIndexes = new Map<SourceFile, Map<number, SourceRow>>();
  const lineIndex = (source: SourceFile) => {
    let index = lineIndexes.get(source);
    if (!index) {
      index = new Map(source.rows.map((r) => [r.line, r]));
      lineIndexes.set(source, index);
    }
    return index;
  };
  const files = [primary, ...joins.map((j) => j.source)];

  return {
    file: primary.file,
    encoding: primary.encoding,
    delimiter: primary.delimiter,
    header: [...primary.header, ...joins.flatMap((j) => j.source.header.map((h) => `${j.spec.alias}.${h}`))],
    rows,
    files,
    forEachRow: (visit) => {
      for (const row of rows) visit(row);
    },
    has: (column) => {
      const joined = resolve(column);
      return joined ? (joins[joined.index]?.source.has(joined.header) ?? false) : primary.has(column);
    },
    column: (column) => {
      const joined = resolve(column);
      if (!joined) return primary.column(column);
      const join = joins[joined.index];
      const header = join?.source.column(joined.header);
      return join && header ? `${join.spec.alias}.${header}` : null;
    },
    relocate: (error) => {
      const joined = error.file === primary.file && error.column !== null ? resolve(error.column) : null;
      const partner = joined && error.line !== null ? byLine.get(error.line)?.partners[joined.index] : null;
      if (!joined || !partner) return error;
      return new ImportError(
        partner.source.file,
        partner.row.line,
        partner.source.column(joined.header) ?? joined.header,
        `${error.reason} (joined to ${primaryName} line ${error.line})`,
      );
    },
    recordAt: (file, line) => {
      const source = files.find((f) => f.file === file);
      const row = source ? lineIndex(source).get(line) : undefined;
      return source && row ? recordText(source, row) : null;
    },
  };
}

/** A key's cells as one map key; null when a cell is empty (no partner). */
function keyOf(cells: readonly string[]): string | null {
  if (cells.some((c) => c === "")) return null;
  return cells.length === 1 ? (cells[0] as string) : JSON.stringify(cells);
}

/** A row's cells (trimmed, as read) written back as one CSV record with its file's delimiter. */
export function recordText(source: SourceFile, row: SourceRow): string {
  return Papa.unparse([source.header.map((h) => row.get(h))], { delimiter: source.delimiter, newline: "" });
}
