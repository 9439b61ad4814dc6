/**
 * The ingest bench's second load generator: wrk (Debian's package `wrk`, C with a LuaJIT
 * script: bench/ingest-wrk.lua), one thread, CONNECTIONS keep-alive connections, a warm-up
 * run and then the measured run. It costs about 20 µs of CPU a request where the Node
 * generator (bench/ingest-load.ts) costs about 110 µs, and on two cores shared with the server
 * that is CPU taken from the server.
 *
 * wrk does not say which request a response answers, so the check after a wrk load is by
 * counts, not ids (the Node generator's check is by ids): no event stored twice, at least as
 * many stored as acknowledged and at most as many more as there were requests in flight
 * when wrk stopped, and every stored pageview counted in its visit.
 */
import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { LoadConfig } from "./ingest-load.js";

/** The Node generator's settings but its ack file and fixed rate (wrk sends as fast as answered). */
export type WrkConfig = Omit<LoadConfig, "ackFile" | "rate">;

export type WrkRun = {
  sent: number;
  acked: number;
  ackedEvents: number;
  completed: number;
  durationUs: number;
  statuses: Record<string, number>;
  socketErrors: { connect: number; read: number; write: number; timeout: number };
  latencyUs: { p50: number; p95: number; p99: number; max: number };
};

export type WrkResult = {
  generator: "wrk";
  seconds: number;
  requests: number;
  events: number;
  requestsPerSecond: number;
  eventsPerSecond: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  errors: Record<string, number>;
  /** Warm-up and measured runs together. */
  sentEvents: number;
  /** wrk runs (warm-up and measured): each may stop with a request in flight on every connection. */
  wrkRuns: number;
  ackedEvents: number;
  generatorCpuSeconds: number;
};

export function wrkAvailable(): boolean {
  return spawnSync("wrk", ["--version"], { stdio: "ignore" }).error === undefined;
}

/** CPU seconds of a running process (utime + stime). */
function cpuOf(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

async function runWrk(config: WrkConfig, seconds: number, prefix: string): Promise<{ run: WrkRun; cpu: number }> {
  const child = spawn(
    "wrk",
    [
      "-t1",
      `-c${config.connections}`,
      `-d${seconds}s`,
      "--timeout",
      "30s",
      "-s",
      join(import.meta.dirname, "ingest-wrk.lua"),
      `${config.url}/api/event`,
    ],
    {
      env: {
        ...process.env,
        SITE: config.site,
        SEED: String(config.seed),
        PREFIX: prefix,
        VISITORS: String(config.visitors),
        BATCH: String(config.eventsPerRequest),
      },
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8");
  });
  // The last reading before it exits (wrk's own CPU: it cannot report it).
  let cpu = 0;
  const poll = setInterval(() => {
    const now = cpuOf(child.pid as number);
    if (Number.isFinite(now)) cpu = now;
  }, 100);
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  clearInterval(poll);
  if (code !== 0) throw new Error(`wrk exited with ${code}`);
  const line = output.split("\n").find((l) => l.startsWith("{"));
  if (!line) throw new Error(`wrk printed no result:\n${output}`);
  return { run: JSON.parse(line) as WrkRun, cpu };
}

export async function wrkLoad(config: WrkConfig): Promise<WrkResult> {
  // Different id prefixes: the warm-up's events are not resent by the measured run.
  const warmup = config.warmupSeconds > 0 ? await runWrk(config, config.warmupSeconds, `w${config.seed}`) : null;
  const { run, cpu } = await runWrk(config, config.seconds, `m${config.seed}`);
  const errors: Record<string, number> = {};
  for (const r of [warmup?.run, run]) {
    if (!r) continue;
    for (const [status, n] of Object.entries(r.statuses)) {
      if (status !== "202") errors[status] = (errors[status] ?? 0) + n;
    }
    for (const [kind, n] of Object.entries(r.socketErrors)) if (n > 0) errors[kind] = (errors[kind] ?? 0) + n;
  }
  const duration = run.durationUs / 1e6;
  const ms = (us: number) => Math.round(us / 10) / 100;
  return {
    generator: "wrk",
    seconds: duration,
    requests: run.acked,
    events: run.ackedEvents,
    requestsPerSecond: run.acked / duration,
    eventsPerSecond: run.ackedEvents / duration,
    latencyMs: {
      p50: ms(run.latencyUs.p50),
      p95: ms(run.latencyUs.p95),
      p99: ms(run.latencyUs.p99),
      max: ms(run.latencyUs.max),
    },
    errors,
    sentEvents: (run.sent + (warmup?.run.sent ?? 0)) * config.eventsPerRequest,
    wrkRuns: warmup ? 2 : 1,
    ackedEvents: run.ackedEvents + (warmup?.run.ackedEvents ?? 0),
    generatorCpuSeconds: cpu + (warmup?.cpu ?? 0),
  };
}
