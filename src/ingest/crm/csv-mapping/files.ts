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

export type SectionKey = "leads" | "stage_events" | "activities";

/** Which given file each section reads (its `file` pattern, or the only file given). */
export function chooseFiles(
  mapping: CsvMapping,
  files: readonly string[],
  problems: Problems,
): Partial<Record<SectionKey, string>> {
  const sections: [SectionKey, Section<string> | null][] = [
    ["leads", mapping.leads],
    ["stage_events", mapping.stageEvents],
    ["activities", mapping.activities],
  ];
  const chosen: Partial<Record<SectionKey, string>> = {};
  const used = new Set<string>();
  for (const [key, section] of sections) {
    if (!section) continue;
    let matches: string[];
    if (section.file === null) {
      if (files.length === 1) matches = [...files];
      else {
        problems.add(
          new ImportError(
            mapping.file,
            null,
            `${key}.file`,
            `${files.length} files were given: say which one ${key} reads with file: <name> (given: ${files.map((f) => basename(f)).join(", ") || "none"})`,
          ),
        );
        continue;
      }
    } else {
      const pattern = wildcard(section.file);
      matches = files.filter((f) => pattern.test(basename(f)) || resolve(f) === resolve(section.file ?? ""));
    }
    if (matches.length !== 1) {
      problems.add(
        new ImportError(
          mapping.file,
          null,
          `${key}.file`,
          matches.length === 0
            ? `no file given matches ${JSON.stringify(section.file)} (given: ${files.map((f) => basename(f)).join(", ") || "none"})`
            : `${matches.length} files match ${JSON.stringify(section.file)} (${matches.map((f) => basename(f)).join(", ")}); name one`,
        ),
      );
      continue;
    }
    const [file] = matches as [string];
    chosen[key] = file;
    used.add(file);
  }
  for (const file of files) {
    if (!used.has(file)) {
      problems.add(
        new ImportError(
          file,
          null,
          null,
          `no section of the mapping ${mapping.file} reads this file (see each section's file:)`,
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

/** Reads a section's file and checks that every mapped column is in its header. */
export async function openSection(
  file: string,
  section: Section<string>,
  mapping: CsvMapping,
  problems: Problems,
): Promise<SourceFile | null> {
  let source: SourceFile;
  try {
    source = await readSourceFile(file);
  } catch (error) {
    if (!(error instanceof ImportError)) throw error;
    problems.add(error);
    return null;
  }
  let complete = true;
  for (const spec of Object.values(section.columns) as FieldSpec[]) {
    for (const column of spec.columns) {
      if (source.has(column)) continue;
      complete = false;
      problems.add(
        new ImportError(
          file,
          1,
          column,
          `the header has no such column, which ${mapping.file} maps to ${spec.path} (the header: ${source.header.join(", ")})`,
        ),
      );
    }
  }
  return complete ? source : null;
}
