/**
 * Which file each section of a mapping reads: the paths given (directories expanded to their
 * CSV, TSV and TXT files), matched to each section's `file:` pattern (or the only file given),
 * every given file read by some section, and every mapped column in the chosen file's header.
 */
import { readdir, stat } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { ImportError } from "../../import-error.js";
import type { Problems } from "../problems.js";
import { readSourceFile, type SourceFile } from "../source-file.js";
import { type Joined, type JoinReport, joinSources, plainSource, type SectionSource } from "./join.js";
import type { CsvMapping, FieldSpec, Section } from "./mapping-file.js";

/** The files the user named, directories expanded to their CSV/TSV/TXT files. */
export async function givenFiles(paths: readonly string[], problems: Problems): Promise<string[]> {
  const files: string[] = [];
  for (const path of paths) {
    const info = await stat(path).catch(() => null);
    if (!info) {
      problems.add(new ImportError(path, null, null, "no such file or directory"));
    } else if (info.isDirectory()) {
      for (const name of (await readdir(path)).sort()) {
        if (/\.(csv|tsv|txt)$/i.test(name)) files.push(join(path, name));
      }
    } else {
      files.push(path);
    }
  }
  return files;
}

export type SectionKey = "leads" | "stage_events" | "activities" | "newsletter_subscribers";

/** The files a section reads: its own, and one per join (in the join's order). */
export type SectionFiles = { file: string; joins: string[] };

/** Which given file each section (and each of its joins) reads: its `file` pattern, or the only file given. */
export function chooseFiles(
  mapping: CsvMapping,
  files: readonly string[],
  problems: Problems,
): Partial<Record<SectionKey, SectionFiles>> {
  const sections: [SectionKey, Section<string> | null][] = [
    ["leads", mapping.leads],
    ["stage_events", mapping.stageEvents],
    ["activities", mapping.activities],
    ["newsletter_subscribers", mapping.newsletterSubscribers],
  ];
  const given = () => files.map((f) => basename(f)).join(", ") || "none";
  const chosen: Partial<Record<SectionKey, SectionFiles>> = {};
  const used = new Set<string>();
  /** The one given file a `file:` pattern names, or null with a problem naming the mapping's path. */
  const match = (pattern: string, path: string): string | null => {
    const regex = wildcard(pattern);
    const matches = files.filter((f) => regex.test(basename(f)) || resolve(f) === resolve(pattern));
    if (matches.length === 1) return matches[0] as string;
    problems.add(
      new ImportError(
        mapping.file,
        null,
        path,
        matches.length === 0
          ? `no file given matches ${JSON.stringify(pattern)} (given: ${given()})`
          : `${matches.length} files match ${JSON.stringify(pattern)} (${matches.map((f) => basename(f)).join(", ")}); name one`,
      ),
    );
    return null;
  };
  for (const [key, section] of sections) {
    if (!section) continue;
    let file: string | null;
    if (section.file !== null) {
      file = match(section.file, `${key}.file`);
    } else if (files.length === 1 && section.join.length === 0) {
      file = files[0] as string;
    } else {
      file = null;
      problems.add(
        new ImportError(
          mapping.file,
          null,
          `${key}.file`,
          `${files.length} files were given: say which one ${key} reads with file: <name> (given: ${given()})`,
        ),
      );
    }
    const joins = section.join.map((j) => match(j.file, `${j.path}.file`));
    for (const f of [file, ...joins]) if (f !== null) used.add(f);
    if (file !== null && joins.every((j) => j !== null)) chosen[key] = { file, joins: joins as string[] };
  }
  for (const file of files) {
    if (!used.has(file)) {
      problems.add(
        new ImportError(
          file,
          null,
          null,
          `no section of the mapping ${mapping.file} reads this file (see each section's file: and join:)`,
        ),
      );
    }
  }
  return chosen;
}

/** A `file:` value as a regular expression over file names (`*` any text, case-insensitive). */
function wildcard(pattern: string): RegExp {
  const name = basename(pattern);
  return new RegExp(
    `^${name
      .split("*")
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
      .join(".*")}$`,
    "i",
  );
}

/**
 * Reads a section's file and the files joined to it, checks that every mapped column is in
 * its file's header (`deals.Amount` in the file joined as deals), and joins them (join.ts).
 */
export async function openSection(
  files: SectionFiles,
  section: Section<string>,
  mapping: CsvMapping,
  problems: Problems,
  report: JoinReport,
): Promise<SectionSource | null> {
  const read = async (file: string): Promise<SourceFile | null> => {
    try {
      return await readSourceFile(file);
    } catch (error) {
      if (!(error instanceof ImportError)) throw error;
      problems.add(error);
      return null;
    }
  };
  const primary = await read(files.file);
  const joined: (Joined | null)[] = [];
  for (const [i, spec] of section.join.entries()) {
    const source = await read(files.joins[i] as string);
    joined.push(source ? { spec, source } : null);
  }
  if (!primary || joined.some((j) => j === null)) return null;
  const joins = joined as Joined[];

  let complete = true;
  /** A column of `source` that `why` (a mapping path) names. */
  const check = (source: SourceFile, column: string, why: string) => {
    if (source.has(column)) return;
    complete = false;
    problems.add(
      new ImportError(
        source.file,
        1,
        column,
        `the header has no such column, which ${mapping.file} maps to ${why} (the header: ${source.header.join(", ")})`,
      ),
    );
  };
  /** Which file a column names: `<alias>.<header>` a joined one (among `upTo` joins), else the section's. */
  const where = (column: string, upTo: number): [SourceFile, string] => {
    const dot = column.indexOf(".");
    const index = dot > 0 ? joins.findIndex((j) => j.spec.alias === column.slice(0, dot)) : -1;
    const join = index >= 0 && index < upTo ? joins[index] : undefined;
    return join ? [join.source, column.slice(dot + 1)] : [primary, column];
  };
  for (const [i, { spec, source }] of joins.entries()) {
    for (const key of spec.on) {
      check(...where(key.primary, i), `${spec.path}.on`);
      check(source, key.joined, `${spec.path}.on`);
    }
  }
  for (const spec of Object.values(section.columns) as FieldSpec[]) {
    for (const column of spec.columns) check(...where(column, joins.length), spec.path);
  }
  if (!complete) return null;
  return joins.length === 0 ? plainSource(primary) : joinSources(primary, joins, report);
}
