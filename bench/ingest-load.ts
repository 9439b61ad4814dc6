/**
 * The ingest bench's load generator, in a process of its own (forked by bench/ingest.ts):
 * CONNECTIONS keep-alive connections on loopback, each POSTing tracking requests back to back
 * (text/plain with the site's Origin, as the tracker's sendBeacon does) for a warm-up and
 * then the measured seconds; or, with a rate, on a fixed schedule of requests. Every acknowledged (202) event id is written to `ackFile`, one a
 * line, for the lost/duplicated check. Sends one JSON result to the parent.
 */
import { createWriteStream } from "node:fs";
import { Agent, request } from "node:http";
import { BENCH_HOST, EventStream, type WireEvent } from "./ingest-events.js";

export type LoadConfig = {
  url: string;
  site: string;
  connections: number;
  warmupSeconds: number;
  seconds: number;
  eventsPerRequest: number;
  seed: number;
  visitors: number;
  ackFile: string;
  /** Events a second to offer in all (requests paced on a fixed schedule); 0: as fast as answered. */
  rate: number;
};

export type LoadResult = {
  seconds: number;
  requests: number;
  events: number;
  requestsPerSecond: number;
  eventsPerSecond: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number };
  errors: Record<string, number>;
  /** Over the whole load, warm-up included (everything the server acknowledged). */
  ackedEvents: number;
  ackedUniqueIds: number;
  ackedPageviews: number;
  generatorMaxRssMb: number;
  generatorCpuSeconds: number;
};

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number;
}

async function runLoad(config: LoadConfig): Promise<LoadResult> {
  const target = new URL(config.url);
  const agent = new Agent({ keepAlive: true, maxSockets: config.connections, maxFreeSockets: config.connections });
  const stream = new EventStream(config.seed, config.visitors);
  const ackOut = createWriteStream(config.ackFile);
  const ackedIds = new Set<string>();
  let ackedEvents = 0;
  let ackedPageviews = 0;
  const errors: Record<string, number> = {};
  let latencies = new Float64Array(1 << 20);
  let measured = 0;
  let measuredEvents = 0;

  const started = performance.now();
  const measureFrom = started + config.warmupSeconds * 1000;
  const measureTo = measureFrom + config.seconds * 1000;

  const post = (body: string): Promise<number | string> =>
    new Promise((resolve) => {
      const req = request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          method: "POST",
          path: "/api/event",
          headers: {
            "Content-Type": "text/plain;charset=UTF-8",
            "Content-Length": Buffer.byteLength(body),
            Origin: `https://${BENCH_HOST}`,
          },
        },
        (res) => {
          res.on("data", () => {});
          res.on("end", () => resolve(res.statusCode ?? 0));
          res.on("error", (error) => resolve((error as NodeJS.ErrnoException).code ?? "response error"));
        },
      );
      req.on("error", (error) => resolve((error as NodeJS.ErrnoException).code ?? "request error"));
      req.end(body);
    });

  // Paced: request k is due at started + k * interval; a connection that is late sends at once.
  const interval = config.rate > 0 ? (config.eventsPerRequest / config.rate) * 1000 : 0;
  let slot = 0;
  const connection = async () => {
    while (performance.now() < measureTo) {
      if (interval > 0) {
        const due = started + slot++ * interval;
        const wait = due - performance.now();
        if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
        if (performance.now() >= measureTo) break;
      }
      const events: WireEvent[] = [];
      for (let i = 0; i < config.eventsPerRequest; i++) events.push(stream.next());
      const body = JSON.stringify({ site: config.site, events });
      const sent = performance.now();
      const status = await post(body);
      const done = performance.now();
      if (status === 202) {
        for (const e of events) {
          ackedIds.add(e.id);
          ackOut.write(`${e.id}\n`);
          if (e.type === "pageview") ackedPageviews++;
        }
        ackedEvents += events.length;
      } else {
        errors[String(status)] = (errors[String(status)] ?? 0) + 1;
      }
      if (sent >= measureFrom && done <= measureTo && status === 202) {
        if (measured === latencies.length) {
          const grown = new Float64Array(latencies.length * 2);
          grown.set(latencies);
          latencies = grown;
        }
        latencies[measured++] = done - sent;
        measuredEvents += events.length;
      }
    }
  };
  await Promise.all(Array.from({ length: config.connections }, connection));
  agent.destroy();
  await new Promise<void>((resolve, reject) =>
    ackOut.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
  const sorted = latencies.slice(0, measured).sort();
  const round = (ms: number) => Math.round(ms * 100) / 100;
  return {
    seconds: config.seconds,
    requests: measured,
    events: measuredEvents,
    requestsPerSecond: measured / config.seconds,
    eventsPerSecond: measuredEvents / config.seconds,
    latencyMs: {
      p50: round(percentile(sorted, 0.5)),
      p95: round(percentile(sorted, 0.95)),
      p99: round(percentile(sorted, 0.99)),
      max: round(sorted.at(-1) ?? Number.NaN),
    },
    errors,
    ackedEvents,
    ackedUniqueIds: ackedIds.size,
    ackedPageviews,
    generatorMaxRssMb: process.resourceUsage().maxRSS / 1024,
    generatorCpuSeconds: (process.cpuUsage().user + process.cpuUsage().system) / 1e6,
  };
}

process.once("message", (config: LoadConfig) => {
  runLoad(config).then(
    (result) => process.send?.(result, undefined, {}, () => process.exit(0)),
    (error: unknown) => {
      process.stderr.write(`ingest-load: ${error instanceof Error ? error.stack : String(error)}\n`);
      process.exit(1);
    },
  );
});
