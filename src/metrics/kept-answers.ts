/**
 * Answers kept between processes (issue 17, target 3). A fresh `verity check` at a million
 * leads costs seconds of statements; the same question asked again of unchanged data needs
 * none. The answer is written to the workspace's own database (migration 022) beside the
 * tokens of its data (src/store/data-versions.ts: every write changes them in its own
 * transaction) and the version of Verity's code that computed it, and a later process with
 * the same question, tokens and code reads it back instead of computing.
 *
 * Never stale: the tokens are read before the data, so an answer is computed from data at
 * least as new as the tokens it is kept under, and a write after it changes the tokens. A
 * change of Verity's code (an upgrade, a local edit) changes the code version. Off with
 * VERITY_READ_CACHE=off, as the in-memory kept results.
 */
import { createHash } from "node:crypto";
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { readVersions } from "../store/data-versions.js";
import { sql } from "../store/sql.js";
import type { Store } from "../store/store.js";

/** Rows older than this are removed when a workspace keeps a new answer (old questions, old code). */
const KEEP_DAYS = 30;

let codeVersion: Promise<string> | null = null;

/**
 * The version of the program's own code, so a kept answer never outlives a change of the code
 * that computed it. A build writes a new stamp beside the compiled code (dist/build-stamp.txt,
 * scripts/copy-assets.mjs); run from source (tests, development) there is none, and the
 * version is a hash of the name, size and modification time of every source file (an edit
 * writes the file again). Read once per process: the stamp is one small read, where scanning
 * the built folder took 60 ms of a fresh `verity check`.
 */
export function verityCodeVersion(): Promise<string> {
  codeVersion ??= (async () => {
    const root = fileURLToPath(new URL("..", import.meta.url));
    try {
      return `build:${(await readFile(join(root, "build-stamp.txt"), "utf8")).trim()}`;
    } catch {
      // No stamp: not a build.
    }
    const files = (await readdir(root, { recursive: true }))
      .filter((f) => /\.(js|ts)$/.test(f) && !/\.test\.ts$/.test(f))
      .sort();
    const hash = createHash("sha256");
    const stats = await Promise.all(files.map((file) => stat(join(root, file))));
    files.forEach((file, i) => {
      hash.update(`${file}\0${stats[i]?.size}\0${stats[i]?.mtimeMs}\0`);
    });
    return `source:${hash.digest("hex")}`;
  })();
  return codeVersion;
}

/**
 * The answer to `question` (anything JSON: the command and its request) for `workspace`: the
 * one kept in the database when its tokens and code are today's, otherwise `compute`'s, which
 * is then kept. Keeping is best effort: a database that cannot be written (another process
 * holds the file) still answers.
 */
export async function keptAnswer<T>(
  store: Store,
  workspace: string,
  question: unknown,
  compute: () => Promise<T>,
): Promise<T> {
  if (process.env.VERITY_READ_CACHE === "off") return compute();
  const read = await readVersions(store, workspace);
  // A workspace without a row has no tokens: nothing can be told about its data's version.
  if (!read) return compute();
  const tokens = createHash("sha256")
    .update(JSON.stringify([read.versions, read.since]))
    .digest("base64url");
  const key = createHash("sha256")
    .update(JSON.stringify([await verityCodeVersion(), question]))
    .digest("hex");
  const [kept] = await store.query<{ tokens: string; answer: string }>(
    sql`SELECT tokens, answer FROM kept_answers WHERE workspace_id = ${workspace} AND answer_key = ${key}`,
  );
  if (kept && kept.tokens === tokens) {
    try {
      return JSON.parse(kept.answer) as T;
    } catch {
      // A row that cannot be read is computed again (and written over below).
    }
  }
  const answer = await compute();
  const now = new Date();
  const stale = new Date(now.getTime() - KEEP_DAYS * 86_400_000);
  try {
    await store.transaction(async () => {
      await store.execute(
        sql`DELETE FROM kept_answers WHERE workspace_id = ${workspace} AND answer_key <> ${key}
              AND kept_at < CAST(${stale.toISOString()} AS TIMESTAMP)`,
      );
      await store.execute(
        sql`INSERT INTO kept_answers (workspace_id, answer_key, tokens, answer, kept_at)
            VALUES (${workspace}, ${key}, ${tokens}, ${JSON.stringify(answer)}, CAST(${now.toISOString()} AS TIMESTAMP))
            ON CONFLICT (workspace_id, answer_key) DO UPDATE
              SET tokens = excluded.tokens, answer = excluded.answer, kept_at = excluded.kept_at`,
      );
    });
  } catch (error) {
    process.emitWarning(`the answer could not be kept for the next run: ${String(error)}`);
  }
  return answer;
}
