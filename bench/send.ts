/**
 * Campaign sending throughput (issue 18): Verity's `campaign send` work for BENCH_RECIPIENTS
 * (100,000) opted-in contacts to a real SMTP server on loopback (bench/send-sink.ts, a process
 * of its own), beside nodemailer alone sending the same messages in a plain loop with the same
 * pool (bench/send-worker.ts). Each run is a fresh process (its peak RSS is its own) and a fresh
 * database; the server is checked to have received every message. Target: Verity within 1.5x of
 * the plain loop's time.
 *
 *   npm run bench:send                                      DuckDB, 3 runs of each
 *   BENCH_RUNS=5 BENCH_RECIPIENTS=20000 npm run bench:send
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:55432/verity_send_bench npm run bench:send
 *
 * Verity's time covers what `campaign send` does after its checks: the outbox snapshot (one
 * INSERT of every recipient), the journal, per message the merge fields, signed links and MIME
 * build, the SMTP hand-off, and the outcomes written back; not the setting up of contacts,
 * segment and campaign. With BENCH_DATABASE_URL the database is dropped and made again before
 * each run, so its name must contain "bench".
 */
import { spawn } from "node:child_process";
import { rm } from "node:fs/promises";
import { cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { recreatePostgresDatabase, startProcess, stopProcess } from "./bench-support.js";

const env = process.env;
const runs = Number(env.BENCH_RUNS ?? 3);
const recipients = Number(env.BENCH_RECIPIENTS ?? 100_000);
const pgUrl = env.BENCH_DATABASE_URL;
if (pgUrl && !/bench/.test(pgUrl)) throw new Error("BENCH_DATABASE_URL's database name must contain 'bench'");
const out = join(import.meta.dirname, "out");

type Run = { ms: number; sent: number; peakRssMb: number };

async function worker(args: string[]): Promise<Run> {
  const child = spawn(process.execPath, ["--import", "tsx", join(import.meta.dirname, "send-worker.ts"), ...args], {
    cwd: join(import.meta.dirname, ".."),
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines: string[] = [];
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (line) => lines.push(line));
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  if (code !== 0) throw new Error(`send-worker ${args[0]} exited with ${code}`);
  return JSON.parse(lines.at(-1) as string) as Run;
}

async function measure(mode: "verity" | "baseline", run: number): Promise<Run> {
  const sink = await startProcess("send-sink.ts", []);
  const port = new URL(sink.url).port;
  let db = join(out, `send-bench-${run}.duckdb`);
  if (mode === "verity") {
    if (pgUrl) {
      await recreatePostgresDatabase(pgUrl);
      db = pgUrl;
    } else {
      await rm(db, { force: true });
      await rm(`${db}.wal`, { force: true });
    }
  }
  const result = await worker(
    mode === "verity" ? [mode, port, String(recipients), db] : [mode, port, String(recipients)],
  );
  const received = JSON.parse((await stopProcess(sink)) as string) as { messages: number; bytes: number };
  if (received.messages !== recipients || result.sent !== recipients) {
    throw new Error(
      `${mode} run ${run}: ${result.sent} sent, the server received ${received.messages} of ${recipients}`,
    );
  }
  if (!pgUrl && mode === "verity") {
    await rm(db, { force: true });
    await rm(`${db}.wal`, { force: true });
  }
  return result;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)] as number;
};

console.log(
  `bench:send: ${recipients.toLocaleString("en-US")} recipients, ${runs} runs each, ${pgUrl ? "PostgreSQL" : "DuckDB"}; ` +
    `${cpus().length} CPUs (${cpus()[0]?.model}), ${(totalmem() / 2 ** 30).toFixed(1)} GB, load ${loadavg()[0]?.toFixed(2)}, Node ${process.version}`,
);
const verity: Run[] = [];
const baseline: Run[] = [];
for (let run = 1; run <= runs; run++) {
  // Alternating, so a slow moment of the machine falls on both.
  const b = await measure("baseline", run);
  baseline.push(b);
  const v = await measure("verity", run);
  verity.push(v);
  const rate = (r: Run) => Math.round((r.sent / r.ms) * 1000);
  console.log(
    `run ${run}: verity ${(v.ms / 1000).toFixed(2)} s (${rate(v)} msg/s, peak RSS ${v.peakRssMb.toFixed(0)} MB); ` +
      `nodemailer loop ${(b.ms / 1000).toFixed(2)} s (${rate(b)} msg/s, peak RSS ${b.peakRssMb.toFixed(0)} MB); ratio ${(v.ms / b.ms).toFixed(2)}x`,
  );
}
const vm = median(verity.map((r) => r.ms));
const bm = median(baseline.map((r) => r.ms));
console.log(
  `median: verity ${(vm / 1000).toFixed(2)} s = ${Math.round((recipients / vm) * 1000)} msg/s, peak RSS ${median(verity.map((r) => r.peakRssMb)).toFixed(0)} MB; ` +
    `nodemailer loop ${(bm / 1000).toFixed(2)} s = ${Math.round((recipients / bm) * 1000)} msg/s, peak RSS ${median(baseline.map((r) => r.peakRssMb)).toFixed(0)} MB; ` +
    `ratio ${(vm / bm).toFixed(2)}x (target 1.5x or less)`,
);
