/**
 * A real SMTP server on loopback (the `smtp-server` package) that receives what Verity sends:
 * each message is recorded (envelope and raw bytes) before the server answers 250, as a real
 * server commits before it replies. Tests script its answers per recipient (a bounce, a
 * temporary refusal some times, a policy refusal) and can hold a reply until told, to kill
 * the sender between the message's last byte and the answer.
 */
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";

export type Received = { from: string; to: string[]; raw: string; at: number };

export type Script = {
  /** Refuse the recipient with this code and text at RCPT TO (every time, or `times` times). */
  rcpt?: { code: number; text: string; times?: number };
  /** Refuse the message after DATA. */
  data?: { code: number; text: string };
  /** Hold the reply to DATA until `release` is called (the message is recorded first). */
  hold?: boolean;
};

export type Sink = {
  port: number;
  received: Received[];
  /** How many RCPT TO each address got (the crash test's "never twice"). */
  rcpts: Map<string, number>;
  script: Map<string, Script>;
  /** Resolves when a held message has been recorded; its reply waits for release(). */
  held: Promise<Received>;
  release(): void;
  /** Refuse the sender at MAIL FROM (every message) when set. */
  mailFrom: { refuse: { code: number; text: string } | null };
  close(): Promise<void>;
};

export async function startSink(options: { auth?: { user: string; pass: string } } = {}): Promise<Sink> {
  const received: Received[] = [];
  const rcpts = new Map<string, number>();
  const script = new Map<string, Script>();
  const refusedTimes = new Map<string, number>();
  let onHeld: (r: Received) => void = () => {};
  const held = new Promise<Received>((resolve) => {
    onHeld = resolve;
  });
  let releaseHeld: () => void = () => {};
  const released = new Promise<void>((resolve) => {
    releaseHeld = resolve;
  });
  const error = (code: number, text: string) => Object.assign(new Error(text), { responseCode: code });
  const mailFrom: Sink["mailFrom"] = { refuse: null };

  const server = new SMTPServer({
    secure: false,
    disabledCommands: options.auth ? ["STARTTLS"] : ["STARTTLS", "AUTH"],
    allowInsecureAuth: true,
    authOptional: !options.auth,
    hideDSN: false,
    logger: false,
    size: 10 * 1024 * 1024,
    onAuth(auth, _session, callback) {
      if (options.auth && auth.username === options.auth.user && auth.password === options.auth.pass) {
        callback(null, { user: auth.username });
      } else callback(error(535, "5.7.8 Authentication credentials invalid"));
    },
    onMailFrom(_address, _session, callback) {
      if (mailFrom.refuse) callback(error(mailFrom.refuse.code, mailFrom.refuse.text));
      else callback();
    },
    onRcptTo(address, _session, callback) {
      const to = address.address.toLowerCase();
      rcpts.set(to, (rcpts.get(to) ?? 0) + 1);
      const s = script.get(to)?.rcpt;
      if (s) {
        const n = (refusedTimes.get(to) ?? 0) + 1;
        if (s.times === undefined || n <= s.times) {
          refusedTimes.set(to, n);
          callback(error(s.code, s.text));
          return;
        }
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        const to = session.envelope.rcptTo.map((r) => r.address.toLowerCase());
        const s = script.get(to[0] ?? "");
        if (s?.data) {
          callback(error(s.data.code, s.data.text));
          return;
        }
        const message: Received = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          to,
          raw: Buffer.concat(chunks).toString("utf8"),
          at: Date.now(),
        };
        received.push(message);
        if (s?.hold) {
          onHeld(message);
          void released.then(() => callback(null, `Ok: queued as held-${received.length}`));
          return;
        }
        callback(null, `Ok: queued as q${received.length}`);
      });
    },
  });
  // A client killed mid-message resets its connection: the server reports it, and carries on.
  server.on("error", () => {});
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    received,
    rcpts,
    script,
    mailFrom,
    held,
    release: () => releaseHeld(),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
