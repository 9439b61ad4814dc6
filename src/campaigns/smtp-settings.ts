/**
 * How a workspace sends mail: its own SMTP server or provider (host, port, TLS, user), the
 * sender, and the public address of the Verity server that its messages' links point to.
 *
 * The password is never stored: the settings name the environment variable that holds it
 * (VERITY_SMTP_PASSWORD by default), read by the process that sends. A database copied or
 * backed up carries no mail credentials.
 *
 * Plain SMTP (no TLS) is accepted only to a server on this machine (a local relay, a test
 * server): elsewhere it would carry the password and every message in the clear. Links must
 * be https except to this machine: RFC 8058's one-click unsubscribe requires it.
 */
import type { Transporter } from "nodemailer";
import type SMTPPool from "nodemailer/lib/smtp-pool";
import { z } from "zod";
import { VerityError } from "../model/errors.js";
import { sql } from "../store/sql.js";
import type { Store } from "../store/store.js";
import { normalizeAddress } from "./contacts.js";

export const SECURITY = ["tls", "starttls", "none"] as const;
export type Security = (typeof SECURITY)[number];

export type SmtpSettings = {
  host: string;
  port: number;
  /** tls: TLS from the start (port 465); starttls: upgraded, and required (587); none: loopback only. */
  security: Security;
  username: string | null;
  /** The environment variable holding the password (when there is a user). */
  passwordEnv: string | null;
  fromAddress: string;
  fromName: string | null;
  replyTo: string | null;
  /** Where recipients reach this Verity server: links and unsubscribes point here. */
  publicUrl: string;
  /** SMTP connections at once (1-20). */
  maxConnections: number;
  /** At most this many messages a minute (null: as fast as the server takes them). */
  perMinute: number | null;
};

export class SmtpSettingsError extends VerityError {
  override name = "SmtpSettingsError";
  constructor(
    readonly field: string,
    message: string,
  ) {
    super("invalid_input", `${field}: ${message}`);
  }
}

export function isLoopbackName(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, "");
  return h === "localhost" || h === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

export const SettingsInput = z
  .object({
    host: z
      .string()
      .trim()
      .min(1)
      .max(253)
      .regex(/^[A-Za-z0-9.:[\]-]+$/, "a host name or address"),
    port: z.number().int().min(1).max(65_535),
    security: z.enum(SECURITY),
    username: z.string().trim().min(1).max(320).nullable().default(null),
    passwordEnv: z
      .string()
      .regex(/^[A-Z_][A-Z0-9_]{0,63}$/, "an environment variable's name, such as VERITY_SMTP_PASSWORD")
      .nullable()
      .default(null),
    fromAddress: z.string().trim().min(3).max(320),
    fromName: z.string().trim().max(200).nullable().default(null),
    replyTo: z.string().trim().max(320).nullable().default(null),
    publicUrl: z.string().trim().max(500),
    maxConnections: z.number().int().min(1).max(20).default(5),
    perMinute: z.number().int().min(1).max(1_000_000).nullable().default(null),
  })
  .strict();

/** Settings checked as a whole: the rules of the module comment. */
export function checkSettings(input: unknown): SmtpSettings {
  const parsed = SettingsInput.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new SmtpSettingsError(String(issue?.path.join(".") || "settings"), issue?.message ?? "invalid");
  }
  const s = parsed.data;
  if (s.security === "none" && !isLoopbackName(s.host)) {
    throw new SmtpSettingsError(
      "security",
      `plain SMTP (no TLS) would send the password and every message to ${s.host} in the clear; use tls (port 465) or starttls (587), or a relay on this machine`,
    );
  }
  const from = normalizeAddress(s.fromAddress);
  if ("problem" in from) throw new SmtpSettingsError("fromAddress", from.problem);
  if (s.replyTo !== null && "problem" in normalizeAddress(s.replyTo)) {
    throw new SmtpSettingsError("replyTo", `${JSON.stringify(s.replyTo)} is not an email address`);
  }
  let url: URL;
  try {
    url = new URL(s.publicUrl);
  } catch {
    throw new SmtpSettingsError(
      "publicUrl",
      `${JSON.stringify(s.publicUrl)} is not a URL (such as https://verity.example.com)`,
    );
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && isLoopbackName(url.hostname))) {
    throw new SmtpSettingsError(
      "publicUrl",
      "must be https (one-click unsubscribe, RFC 8058, requires it); http only for this machine",
    );
  }
  if (url.search || url.hash) throw new SmtpSettingsError("publicUrl", "give the server's address without ? or #");
  const username = s.username;
  const passwordEnv = username === null ? null : (s.passwordEnv ?? "VERITY_SMTP_PASSWORD");
  return {
    ...s,
    host: s.host,
    username,
    passwordEnv,
    fromAddress: s.fromAddress,
    publicUrl: url.toString().replace(/\/$/, ""),
  };
}

type SettingsRow = {
  host: string;
  port: number;
  security: Security;
  username: string | null;
  password_env: string | null;
  from_address: string;
  from_name: string | null;
  reply_to: string | null;
  public_url: string;
  max_connections: number;
  per_minute: number | null;
};

export async function saveSmtpSettings(store: Store, workspace: string, settings: SmtpSettings): Promise<void> {
  const s = settings;
  await store.transaction(async () => {
    await store.execute(sql`DELETE FROM smtp_settings WHERE workspace_id = ${workspace}`);
    await store.execute(
      sql`INSERT INTO smtp_settings (workspace_id, host, port, security, username, password_env, from_address, from_name,
            reply_to, public_url, max_connections, per_minute, updated_at)
          VALUES (${workspace}, ${s.host}, ${s.port}, ${s.security}, ${s.username}, ${s.passwordEnv}, ${s.fromAddress},
            ${s.fromName}, ${s.replyTo}, ${s.publicUrl}, ${s.maxConnections}, ${s.perMinute},
            CAST(${new Date().toISOString()} AS TIMESTAMP))`,
    );
  });
}

export async function findSmtpSettings(store: Store, workspace: string): Promise<SmtpSettings | null> {
  const [r] = await store.query<SettingsRow>(
    sql`SELECT host, port, security, username, password_env, from_address, from_name, reply_to, public_url,
          max_connections, per_minute
        FROM smtp_settings WHERE workspace_id = ${workspace}`,
  );
  if (!r) return null;
  return {
    host: r.host,
    port: Number(r.port),
    security: r.security,
    username: r.username,
    passwordEnv: r.password_env,
    fromAddress: r.from_address,
    fromName: r.from_name,
    replyTo: r.reply_to,
    publicUrl: r.public_url,
    maxConnections: Number(r.max_connections),
    perMinute: r.per_minute === null ? null : Number(r.per_minute),
  };
}

export async function smtpSettingsOf(store: Store, workspace: string): Promise<SmtpSettings> {
  const found = await findSmtpSettings(store, workspace);
  if (!found) {
    throw new SmtpSettingsError(
      "smtp",
      `workspace ${workspace} has no SMTP settings yet: \`verity smtp set --host ... --port ... --from ... --public-url ...\``,
    );
  }
  return found;
}

/** nodemailer's pool options for the settings; the password read from its variable now. */
export function transportOptions(s: SmtpSettings, env: NodeJS.ProcessEnv = process.env): SMTPPool.Options {
  let auth: SMTPPool.Options["auth"];
  if (s.username !== null) {
    const name = s.passwordEnv ?? "VERITY_SMTP_PASSWORD";
    const pass = env[name];
    if (!pass) {
      throw new SmtpSettingsError(
        "password",
        `the SMTP user ${s.username} needs its password in the environment variable ${name}, which is not set in this process`,
      );
    }
    auth = { user: s.username, pass };
  }
  return {
    pool: true,
    host: s.host,
    port: s.port,
    secure: s.security === "tls",
    requireTLS: s.security === "starttls",
    ignoreTLS: s.security === "none",
    ...(auth ? { auth } : {}),
    maxConnections: s.maxConnections,
    maxMessages: Number.POSITIVE_INFINITY,
    connectionTimeout: 30_000,
    greetingTimeout: 30_000,
    socketTimeout: 120_000,
    disableFileAccess: true,
    disableUrlAccess: true,
  };
}

/** One sentence for what went wrong talking to the SMTP server (nodemailer's error codes). */
export function describeSmtpError(error: unknown, s: Pick<SmtpSettings, "host" | "port">): string {
  const e = error as { code?: string; responseCode?: number; response?: string; message?: string };
  const where = `${s.host}:${s.port}`;
  const said = e.response ? ` (the server said: ${e.response.slice(0, 200)})` : "";
  switch (e.code) {
    case "EAUTH":
      return `the SMTP server at ${where} refused the user name or password${said}`;
    case "ENOAUTH":
      return `the SMTP server at ${where} needs a user name and password`;
    case "ETLS":
      return `TLS with ${where} failed: ${e.message ?? ""} (check security: tls for port 465, starttls for 587)`;
    case "EDNS":
      return `the host ${s.host} was not found`;
    case "ETIMEDOUT":
      return `${where} did not answer in time`;
    case "ECONNECTION":
    case "ESOCKET":
      return `nothing answers SMTP at ${where} (${e.message ?? e.code})`;
    default:
      return `${where}: ${e.message ?? String(error)}${said}`;
  }
}

/** Connects and signs in (nothing is sent): the settings work, or an error saying why not. */
export async function verifySmtp(s: SmtpSettings): Promise<void> {
  const { createTransport } = await import("nodemailer");
  const transport: Transporter = createTransport({ ...transportOptions(s), pool: false } as SMTPPool.Options);
  try {
    await transport.verify();
  } catch (error) {
    throw new SmtpSettingsError("smtp", describeSmtpError(error, s));
  } finally {
    transport.close();
  }
}
