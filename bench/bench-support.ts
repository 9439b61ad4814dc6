/**
 * What the server benches share: the database a run measures (a DuckDB file, or the
 * PostgreSQL database BENCH_DATABASE_URL names, dropped and made again), a server script in a
 * process of its own, and small figures helpers.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import pg from "pg";
import type { StoreTarget } from "../src/store/open-store.js";

const root = join(import.meta.dirname, "..");

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The value at share `p` of a sorted array (NaN when empty). */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number;
}

/** Resident memory of a process now (VmRSS), in MB. */
export function rssMb(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/**
 * Drops and makes again the PostgreSQL database `url` names. It must be a bench's own: its name
 * must contain "bench" or "ingest".
 */
export async function recreatePostgresDatabase(url: string): Promise<void> {
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  if (!/bench|ingest/i.test(name)) {
    throw new Error(
      `BENCH_DATABASE_URL names the database "${name}": the bench drops it, so its name must contain "bench" or "ingest"`,
    );
  }
  const admin = new URL(url);
  admin.pathname = "/postgres";
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const quoted = `"${name.replaceAll('"', '""')}"`;
    await client.query(`DROP DATABASE IF EXISTS ${quoted} WITH (FORCE)`);
    await client.query(`CREATE DATABASE ${quoted}`);
  } finally {
    await client.end();
  }
}

/** The database of a run: BENCH_DATABASE_URL's (made anew) when set, else a DuckDB file at `duckdbPath`. */
export async function benchTarget(duckdbPath: string): Promise<{ target: StoreTarget; engine: "duckdb" | "postgres" }> {
  const url = process.env.BENCH_DATABASE_URL;
  if (!url) return { target: { engine: "duckdb", path: duckdbPath }, engine: "duckdb" };
  await recreatePostgresDatabase(url);
  return { target: { engine: "postgres", url }, engine: "postgres" };
}

export type Running = { child: ChildProcess; url: string; lines: string[]; exited: Promise<number | null> };

/** Starts a server script of bench/ with tsx; resolves once it printed `{"url":...}` as its first line. */
export async function startProcess(script: string, args: string[], nodeArgs: string[] = []): Promise<Running> {
  const child = spawn(process.execPath, [...nodeArgs, "--import", "tsx", join(import.meta.dirname, script), ...args], {
    cwd: root,
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const first = new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (line) => {
      lines.push(line);
      if (lines.length === 1) resolve(line);
    });
    exited.then((code) => reject(new Error(`${script} exited (${code}) before listening`)));
  });
  const { url } = JSON.parse(await first) as { url: string };
  return { child, url, lines, exited };
}

/** SIGTERM, then the exit; resolves with the process's last line of output. */
export async function stopProcess(running: Running): Promise<string | undefined> {
  running.child.kill("SIGTERM");
  const code = await running.exited;
  if (code !== 0) throw new Error(`the server exited with ${code}`);
  return running.lines.at(-1);
}
