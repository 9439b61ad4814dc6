/** Worker-thread entry: runs the marketing side (marketing.ts) and reports back to simulate.ts. */
import { parentPort, workerData } from "node:worker_threads";
import { type MarketingInput, writeMarketing } from "./marketing.js";

export type MarketingMessage =
  | { type: "progress"; table: string; rows: number }
  | { type: "done"; rows: Record<string, number> };

const port = parentPort;
if (!port) throw new Error("marketing-worker runs as a worker thread only");
const rows = await writeMarketing(workerData as MarketingInput, (table, n) =>
  port.postMessage({ type: "progress", table, rows: n } satisfies MarketingMessage),
);
port.postMessage({ type: "done", rows } satisfies MarketingMessage);
