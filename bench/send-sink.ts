/**
 * The SMTP server bench:send sends to, in a process of its own: smtp-server on loopback,
 * accepting every message (read to its end, counted, not kept). Prints `{"url":"smtp://..."}`
 * once it listens and, on SIGTERM, `{"messages":N,"bytes":B}`.
 */
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";

let messages = 0;
let bytes = 0;
const server = new SMTPServer({
  secure: false,
  disabledCommands: ["STARTTLS", "AUTH"],
  authOptional: true,
  logger: false,
  onData(stream, _session, callback) {
    stream.on("data", (chunk: Buffer) => {
      bytes += chunk.length;
    });
    stream.on("end", () => {
      messages += 1;
      callback(null, `Ok: queued as b${messages}`);
    });
  },
});
server.on("error", () => {});
server.listen(0, "127.0.0.1", () => {
  const { port } = server.server.address() as AddressInfo;
  process.stdout.write(`${JSON.stringify({ url: `smtp://127.0.0.1:${port}` })}\n`);
});
process.on("SIGTERM", () => {
  process.stdout.write(`${JSON.stringify({ messages, bytes })}\n`);
  server.close(() => process.exit(0));
});
