/**
 * What the social formats share: the files a user named (a directory stands for the export
 * files in it), post counters read from cells, and the canonical rows they become — a post
 * (social_posts) and one snapshot of its cumulative counters as read when the export was made
 * (social_post_snapshots), with duplicates told apart from contradictions.
 */
import { readdir, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import { CanonicalTables } from "../../crm/canonical-tables.js";
import { Problems } from "../../crm/problems.js";
import { ImportError } from "../../import-error.js";
import type { FormatOptions, PreparedImport } from "../../importer.js";
import { knownZone } from "./times.js";

export type SocialNetwork = "linkedin" | "twitter" | "facebook";

/** Where a value was read: the file (with its sheet, for a workbook), row and column. */
export type Origin = { file: string; line: number | null; column: string | null };

export function importError(at: Origin, reason: string): ImportError {
  return new ImportError(at.file, at.line, at.column, reason);
}

/** The files of `paths` whose names match `pattern` (a directory's, sorted); a named file always. */
export async function exportFiles(format: string, paths: readonly string[], pattern: RegExp): Promise<string[]> {
  if (paths.length === 0) throw new ImportError("", null, null, `give the ${format} export file(s) or their directory`);
  const files: string[] = [];
  for (const path of paths) {
    const info = await stat(path).catch(() => null);
    if (!info) throw new ImportError(path, null, null, "no such file or directory");
    if (!info.isDirectory()) {
      files.push(path);
      continue;
    }
    const names = (await readdir(path)).filter((n) => pattern.test(n)).sort();
    if (names.length === 0) throw new ImportError(path, null, null, `the directory holds no ${format} export file`);
    files.push(...names.map((n) => join(path, n)));
  }
  return files;
}

/** The --timezone option, checked (null: UTC). */
export function zoneOption(options: FormatOptions): string | null {
  const zone = options.timezone?.trim();
  if (!zone) return null;
  if (!knownZone(zone)) {
    throw new ImportError("--timezone", null, null, `${zone} is not an IANA time zone name (such as Europe/Stockholm)`);
  }
  return zone;
}

/**
 * A post counter (impressions, reposts...): a whole number of 0 or more, from a number cell or
 * text with thousands separators (`1,234`). Empty is null: not read, which is not 0.
 */
export function parseCount(value: unknown, at: Origin): number | null {
  if (value === null || value === undefined) return null;
  if (typeof value === "number") {
    if (Number.isInteger(value) && value >= 0) return value;
    throw importError(at, `${value} is not a count (a whole number of 0 or more)`);
  }
  const text = String(value).trim();
  if (text === "") return null;
  if (/^\d{1,3}(,\d{3})+$/.test(text) || /^\d+$/.test(text)) return Number(text.replaceAll(",", ""));
  throw importError(at, `${JSON.stringify(text)} is not a count (a whole number of 0 or more)`);
}

/**
 * A numeric post id as text. A spreadsheet program that re-saved a CSV writes long ids in
 * scientific notation (`1.22158E+17`), which has lost the id's digits: refused, not guessed.
 */
export function postIdText(value: string, at: Origin): string {
  if (value === "") throw importError(at, "a post id is required");
  if (/^\d+(\.\d+)?E\+\d+$/i.test(value)) {
    throw importError(
      at,
      `${value} is an id rounded by a spreadsheet program (scientific notation has lost its digits); use the file as downloaded`,
    );
  }
  return value;
}

export type SocialPost = {
  id: string;
  publishedAt: string;
  url: string | null;
  shares: number | null;
  impressions: number | null;
  /** When the counters were read (the export's date), canonical UTC. */
  capturedAt: string;
};

/** The canonical rows of one import, for one network. */
export class SocialRows {
  readonly tables = new CanonicalTables();
  readonly problems: Problems;
  private readonly posts = new Map<string, { publishedAt: string; at: Origin }>();
  private readonly snapshots = new Map<string, { shares: number | null; impressions: number | null; at: Origin }>();

  constructor(
    readonly network: SocialNetwork,
    options: FormatOptions,
  ) {
    this.problems = new Problems(options.collectProblems ?? false);
  }

  /**
   * Adds a post and its snapshot. The same post again (a second export of the account) adds
   * only its snapshot; the same snapshot with other counters, or the post with another
   * publication time, contradicts the first and is refused.
   */
  add(post: SocialPost, at: Origin, source: string): void {
    const seen = this.posts.get(post.id);
    if (seen && seen.publishedAt !== post.publishedAt) {
      throw importError(
        at,
        `post ${post.id} was published at ${seen.publishedAt} by ${where(seen.at)} but at ${post.publishedAt} here`,
      );
    }
    const key = `${post.id}\u0000${post.capturedAt}`;
    const snapshot = this.snapshots.get(key);
    if (snapshot) {
      if (snapshot.shares !== post.shares || snapshot.impressions !== post.impressions) {
        throw importError(at, `post ${post.id} appears again with other counters than at ${where(snapshot.at)}`);
      }
      this.tables.skip(`posts listed twice with the same counters (${this.network})`);
      return;
    }
    if (!seen) {
      this.posts.set(post.id, { publishedAt: post.publishedAt, at });
      this.tables.add("social_posts", source, {
        id: post.id,
        network: this.network,
        published_at: post.publishedAt,
        url: post.url,
      });
    }
    this.snapshots.set(key, { shares: post.shares, impressions: post.impressions, at });
    this.tables.add("social_post_snapshots", source, {
      post_id: post.id,
      captured_at: post.capturedAt,
      shares: post.shares,
      impressions: post.impressions,
    });
  }

  /** Reads a whole file; its ImportError is recorded (the file left out) in a dry run. */
  async readFile<T>(read: () => Promise<T>): Promise<T | undefined> {
    try {
      return await read();
    } catch (error) {
      this.problems.row(() => {
        throw error;
      });
      return undefined;
    }
  }

  /** The converted import (with the dry run's problems); the spill files go if it fails. */
  async prepare(sourceSystem: string): Promise<PreparedImport> {
    try {
      const prepared = await this.tables.prepare(sourceSystem, []);
      this.problems.attach(prepared);
      return prepared;
    } catch (error) {
      this.tables.discard();
      throw error;
    }
  }
}

function where(at: Origin): string {
  return [basename(at.file), at.line === null ? null : `line ${at.line}`].filter((p) => p !== null).join(" ");
}
