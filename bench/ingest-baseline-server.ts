/**
 * The ingest bench's HTTP baseline: a minimal node:http server doing only the durable work
 * of POST /api/event, the way Verity's log does it: read the body, JSON.parse it, append one
 * line per request to a file with the same group commit (while one write + fdatasync runs,
 * new lines wait and go together in the next), answer 202 once its line is on disk. No
 * routing framework, no site lookup, origin check, rate limit, validation, hashing, writer or
 * engine. Prints `{"url":...}` on stdout when listening; SIGTERM closes it.
 *
 *   tsx bench/ingest-baseline-server.ts FILE
 */

import { open } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

const file = process.argv[2];
if (!file) throw new Error("usage: ingest-baseline-server FILE");
const handle = await open(file, "a");
let seq = 0;
let waiting: { line: string; resolve: () => void; reject: (error: unknown) => void }[] = [];
let flushing = false;

async function flush(): Promise<void> {
  flushing = true;
  try {
    while (waiting.length > 0) {
      const batch = waiting;
      waiting = [];
      try {
        const bytes = Buffer.from(batch.map((w) => w.line).join(""), "utf8");
        let written = 0;
        while (written < bytes.length) written += (await handle.write(bytes, written)).bytesWritten;
        await handle.datasync();
        for (const w of batch) w.resolve();
      } catch (error) {
        for (const w of batch) w.reject(error);
      }
    }
  } finally {
    flushing = false;
  }
}

function append(record: object): Promise<void> {
  seq += 1;
  const line = `${JSON.stringify({ q: seq, at: new Date().toISOString(), ...record })}\n`;
  const done = new Promise<void>((resolve, reject) => waiting.push({ line, resolve, reject }));
  if (!flushing) void flush();
  return done;
}

const server = createServer((req, res) => {
  if (req.method !== "POST" || req.url !== "/api/event") {
    res.writeHead(404).end();
    return;
  }
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    let body: { events?: unknown[] };
    try {
      body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { events?: unknown[] };
    } catch {
      res.writeHead(400).end();
      return;
    }
    const accepted = Array.isArray(body.events) ? body.events.length : 0;
    append(body).then(
      () => {
        res.writeHead(202, { "Content-Type": "application/json" }).end(JSON.stringify({ accepted }));
      },
      () => res.writeHead(503).end(),
    );
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${port}` })}\n`);
});
process.once("SIGTERM", () => {
  server.close();
  server.closeAllConnections();
  const stop = async () => {
    while (flushing || waiting.length > 0) await new Promise((resolve) => setTimeout(resolve, 5));
    await handle.close();
    process.exit(0);
  };
  void stop();
});
