/**
 * `verity serve` and the commands that set a server up: workspaces, users, API keys and
 * tracked websites. (With DuckDB the server owns the file: run these before `serve`, or use
 * the admin API while it runs.)
 */
import { createInterface } from "node:readline";
import { type Command, Option } from "commander";
import { parseScopes, ROLES } from "../../accounts/access.js";
import { createKey, listKeys, revokeKey, rotateKey } from "../../accounts/keys.js";
import { randomToken } from "../../accounts/secrets.js";
import { createSite, listSites, revokeSite } from "../../accounts/sites.js";
import { addUser, findUser, listUsers, setPassword, setUserDisabled } from "../../accounts/users.js";
import { addWorkspace, listWorkspaces } from "../../accounts/workspaces.js";
// The server (hono, pino and the routes) is loaded by `serve` alone, not by the commands
// that set it up.
import type { LogLevel } from "../../server/index.js";
import { openStore } from "../../store/open-store.js";
import { sql } from "../../store/sql.js";
import { type GlobalOptions, targetOf, withStore, workspaceOf } from "../context.js";
import { UserError } from "../output.js";
import { parseInteger } from "./parse.js";

/** Runs `work` and turns its plain errors (bad id, unknown workspace) into one sentence. */
async function admin<T>(globals: GlobalOptions, work: Parameters<typeof withStore<T>>[1]): Promise<T> {
  try {
    return await withStore(globals, work);
  } catch (error) {
    if (error instanceof Error && error.constructor === Error) throw new UserError(error.message);
    throw error;
  }
}

async function readFirstLine(): Promise<string> {
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) {
    lines.close();
    return line;
  }
  return "";
}

export function registerServerCommands(program: Command): void {
  program
    .command("serve")
    .description("run the dashboard, the HTTP API and the website tracking endpoint")
    .option("--port <port>", "port to listen on", parseInteger("--port"), 8787)
    .option("--host <host>", "address to listen on (0.0.0.0 for every interface)", "127.0.0.1")
    .option(
      "--data-dir <dir>",
      "where the durable ingest log lives (default: next to the DuckDB file, or ./verity-ingest)",
    )
    .option("--no-auth", "no keys or sign-in: everyone is an admin of the workspace (loopback addresses only)")
    .option(
      "--tracking-rate <n>",
      "tracking requests a second allowed per site and visitor address (bursts to 4x)",
      parseInteger("--tracking-rate"),
      20,
    )
    .option(
      "--trust-proxy [hops|addresses]",
      "behind your reverse proxy: believe X-Forwarded-* from this many proxy hops, or from these addresses/CIDR ranges (comma-separated; loopback, uniquelocal); alone: one hop",
    )
    .option(
      "--engine-threads <n>",
      "DuckDB: threads for queries (default: the machine's cores less one, at least 1, leaving a core for HTTP)",
      parseInteger("--engine-threads"),
    )
    .addOption(
      new Option("--log-level <level>", "structured log level")
        .choices(["fatal", "error", "warn", "info", "debug", "trace", "silent"])
        .default("info"),
    )
    .action(async (flags: ServeFlags, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      const { LOOPBACK, parseTrustProxy } = await import("../../server/index.js");
      if (!flags.auth && !LOOPBACK.has(flags.host)) {
        throw new UserError(`--no-auth is allowed on a loopback address only (127.0.0.1, ::1), not ${flags.host}`);
      }
      if (flags.port < 0 || flags.port > 65535) throw new UserError("--port takes 0-65535");
      try {
        parseTrustProxy(flags.trustProxy);
      } catch (error) {
        throw new UserError((error as Error).message);
      }
      if (!flags.auth && flags.trustProxy !== undefined && flags.trustProxy !== false) {
        throw new UserError("--no-auth serves this machine only: it cannot be combined with --trust-proxy");
      }
      if (flags.engineThreads !== undefined && flags.engineThreads < 1) {
        throw new UserError("--engine-threads takes 1 or more");
      }
      await serve(globals, flags);
    });

  const workspace = program.command("workspace").description("companies served by one installation");
  workspace
    .command("add")
    .description("add a workspace")
    .argument("<id>", "lower-case letters, digits, - and _")
    .option("--name <name>", "a display name")
    .action(async (id: string, flags: { name?: string }, cmd: Command) => {
      const created = await admin(cmd.optsWithGlobals<GlobalOptions>(), (store) => addWorkspace(store, id, flags.name));
      process.stdout.write(`workspace ${created.id} added\n`);
    });
  workspace
    .command("list")
    .description("list workspaces")
    .action(async (_flags: unknown, cmd: Command) => {
      const all = await admin(cmd.optsWithGlobals<GlobalOptions>(), (store) => listWorkspaces(store));
      for (const w of all) process.stdout.write(`${w.id}\t${w.name}\t${w.createdAt}\n`);
    });

  const user = program.command("user").description("dashboard users");
  user
    .command("add")
    .description("add a user to the workspace (-w); prints a generated password unless --password-stdin")
    .argument("<email>")
    .addOption(new Option("--role <role>", "what the user may do").choices(ROLES).makeOptionMandatory())
    .option("--name <name>", "the user's name")
    .option("--password-stdin", "read the password from the first line of standard input")
    .action(async (email: string, flags: { role: string; name?: string; passwordStdin?: boolean }, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      const password = flags.passwordStdin ? await readFirstLine() : randomToken(12);
      const user = await admin(globals, (store) =>
        addUser(store, {
          workspace: workspaceOf(globals),
          email,
          name: flags.name ?? null,
          role: flags.role,
          password,
        }),
      );
      process.stdout.write(`user ${user.email} (${user.role}) added to workspace ${user.workspace}\n`);
      if (!flags.passwordStdin) process.stdout.write(`password: ${password}\n(shown once; they sign in with it)\n`);
    });

  user
    .command("list")
    .description("list the workspace's users (disabled ones marked)")
    .action(async (_flags: unknown, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      const users = await admin(globals, (store) => listUsers(store, workspaceOf(globals)));
      for (const u of users) {
        process.stdout.write(
          `${u.id}\t${u.email}\t${u.role}\t${u.disabled ? "disabled" : "enabled"}\t${u.createdAt}\n`,
        );
      }
    });
  for (const [action, disabled] of [
    ["disable", true],
    ["enable", false],
  ] as const) {
    user
      .command(action)
      .description(
        disabled
          ? "disable a user of the workspace (-w): they cannot sign in, and their sessions end"
          : "enable a disabled user again",
      )
      .argument("<email>", "the user's email (or id)")
      .action(async (email: string, _flags: unknown, cmd: Command) => {
        const globals = cmd.optsWithGlobals<GlobalOptions>();
        const found = await admin(globals, async (store) => {
          const target = await findUser(store, workspaceOf(globals), email);
          if (target) await setUserDisabled(store, target.id, disabled);
          return target;
        });
        if (!found) throw new UserError(`workspace ${workspaceOf(globals)} has no user ${email}`);
        process.stdout.write(`user ${found.email} ${action}d\n`);
      });
  }
  user
    .command("password")
    .description("set a user's password (-w); prints a generated one unless --password-stdin; their sessions end")
    .argument("<email>", "the user's email (or id)")
    .option("--password-stdin", "read the password from the first line of standard input")
    .action(async (email: string, flags: { passwordStdin?: boolean }, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      const password = flags.passwordStdin ? await readFirstLine() : randomToken(12);
      const found = await admin(globals, async (store) => {
        const target = await findUser(store, workspaceOf(globals), email);
        if (target) await setPassword(store, target.id, password);
        return target;
      });
      if (!found) throw new UserError(`workspace ${workspaceOf(globals)} has no user ${email}`);
      process.stdout.write(`password of ${found.email} set; their sessions ended\n`);
      if (!flags.passwordStdin) process.stdout.write(`password: ${password}\n(shown once)\n`);
    });

  const key = program.command("key").description("API keys for scripts and tools");
  key
    .command("add")
    .description("create an API key in the workspace (-w); the key is shown once")
    .argument("<name>", "what the key is for")
    .requiredOption("--scopes <scopes>", "comma-separated: metrics:read, data:write, campaigns:send, admin")
    .action(async (name: string, flags: { scopes: string }, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      let scopes: ReturnType<typeof parseScopes>;
      try {
        scopes = parseScopes(flags.scopes);
      } catch (error) {
        throw new UserError((error as Error).message);
      }
      const { key: created, secret } = await admin(globals, (store) =>
        createKey(store, { workspace: workspaceOf(globals), name, scopes }),
      );
      process.stdout.write(
        `key ${created.id} (${created.scopes.join(", ")}) in workspace ${created.workspace}:\n${secret}\n(shown once; send it as "Authorization: Bearer <key>")\n`,
      );
    });
  key
    .command("list")
    .description("list the workspace's API keys")
    .action(async (_flags: unknown, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      const keys = await admin(globals, (store) => listKeys(store, workspaceOf(globals)));
      for (const k of keys) process.stdout.write(`${k.id}\t${k.name}\t${k.scopes.join(",")}\t${k.createdAt}\n`);
    });
  key
    .command("revoke")
    .description("revoke an API key")
    .argument("<id>")
    .action(async (id: string, _flags: unknown, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      const done = await admin(globals, (store) => revokeKey(store, workspaceOf(globals), id));
      if (!done) throw new UserError(`workspace ${workspaceOf(globals)} has no API key ${id}`);
      process.stdout.write(`key ${id} revoked\n`);
    });

  key
    .command("rotate")
    .description("give an API key a new secret (shown once); the old one stops working, id and scopes stay")
    .argument("<id>")
    .action(async (id: string, _flags: unknown, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      const rotated = await admin(globals, (store) => rotateKey(store, workspaceOf(globals), id));
      if (!rotated) throw new UserError(`workspace ${workspaceOf(globals)} has no API key ${id}`);
      process.stdout.write(
        `key ${id} (${rotated.key.scopes.join(", ")}) has a new secret:\n${rotated.secret}\n(shown once; the old one no longer works)\n`,
      );
    });

  const site = program.command("site").description("websites that send tracking events");
  site
    .command("add")
    .description("add a website to the workspace (-w); prints its public key and the script tag")
    .argument("<name>")
    .requiredOption("--domain <domain...>", "domains the site is served from (example.com, *.example.com, host:port)")
    .option("--respect-dnt", "store nothing from browsers that send Do Not Track or Global Privacy Control")
    .option("--server <url>", "the address the server is reached at, for the script tag", "https://VERITY-HOST")
    .action(async (name: string, flags: { domain: string[]; respectDnt?: boolean; server: string }, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      const created = await admin(globals, (store) =>
        createSite(store, workspaceOf(globals), {
          name,
          domains: flags.domain,
          respectPrivacySignals: flags.respectDnt ?? false,
        }),
      );
      const dnt = created.respectPrivacySignals ? " data-respect-dnt" : "";
      process.stdout.write(
        `site ${created.name} (${created.domains.join(", ")}) in workspace ${created.workspace}\n` +
          `public key: ${created.publicKey}\n\nAdd to every page:\n` +
          `<script async src="${flags.server.replace(/\/$/, "")}/js/verity.js" data-site="${created.publicKey}"${dnt}></script>\n`,
      );
    });
  site
    .command("list")
    .description("list the workspace's websites")
    .action(async (_flags: unknown, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      const sites = await admin(globals, (store) => listSites(store, workspaceOf(globals)));
      for (const s of sites) process.stdout.write(`${s.publicKey}\t${s.name}\t${s.domains.join(",")}\n`);
    });
  site
    .command("revoke")
    .description("revoke a website: tracking with its key is refused (by a running server within a minute)")
    .argument("<key>", "the site's public key (vs_...) or id")
    .action(async (publicKey: string, _flags: unknown, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      const done = await admin(globals, (store) => revokeSite(store, workspaceOf(globals), publicKey));
      if (!done) throw new UserError(`workspace ${workspaceOf(globals)} has no site ${publicKey}`);
      process.stdout.write(`site ${publicKey} revoked\n`);
    });
}

export type ServeFlags = {
  port: number;
  host: string;
  dataDir?: string;
  auth: boolean;
  /** true (the flag alone: one hop), a number of hops, or addresses and ranges (context.ts parseTrustProxy). */
  trustProxy?: boolean | string;
  trackingRate: number;
  engineThreads?: number;
  logLevel: LogLevel;
};

/**
 * Runs the server until Ctrl-C or SIGTERM (`verity serve`, and `verity demo --open`);
 * `onListening` gets its address once it listens.
 */
export async function serve(
  globals: GlobalOptions,
  flags: ServeFlags,
  onListening?: (url: string) => void | Promise<void>,
): Promise<void> {
  const { createLogger, startServer, STOP_WAIT_MS } = await import("../../server/index.js");
  const target = targetOf(globals);
  const dataDir = flags.dataDir ?? (target.engine === "duckdb" ? `${target.path}.ingest` : "verity-ingest");
  // One logger for the server and the store (which reports connections PostgreSQL closed).
  const logger = createLogger(flags.logLevel);
  const store = await openStore(target, { warn: (message, error) => logger.warn({ err: error.message }, message) });
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer({
      store,
      dataDir,
      host: flags.host,
      port: flags.port,
      auth: flags.auth,
      workspace: workspaceOf(globals),
      trustProxy: flags.trustProxy ?? false,
      trackingRate: flags.trackingRate,
      engineThreads: flags.engineThreads,
      logger,
    });
  } catch (error) {
    await store.close();
    const code = (error as { code?: string }).code;
    if (code === "EADDRINUSE")
      throw new UserError(`port ${flags.port} on ${flags.host} is in use: choose another with --port`);
    throw error;
  }
  if (flags.auth) {
    const [keys] = await store.query<{ n: number }>(
      sql`SELECT (SELECT count(*) FROM api_keys WHERE revoked_at IS NULL) + (SELECT count(*) FROM users WHERE disabled_at IS NULL) AS n`,
    );
    if (Number(keys?.n ?? 0) === 0) {
      process.stderr.write(
        "verity: no API keys or users yet, so nothing but tracking and health can be used: stop the server, then\n" +
          "  `verity key add NAME --scopes metrics:read` or `verity user add EMAIL --role admin`\n" +
          "  (or run `verity serve --no-auth` to try it on this machine)\n",
      );
    }
  }
  process.stderr.write(
    `verity: serving the dashboard at ${server.url}/ (API: ${server.url}/api/openapi.json); Ctrl-C stops\n`,
  );
  await onListening?.(server.url);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
  process.stderr.write(
    `verity: stopping (finishing requests, writing acknowledged events; what is not written in ${Math.round((STOP_WAIT_MS * 1.5) / 1000)} s stays in the ingest log for the next start)\n`,
  );
  // Requests get 10 s; the writer starts no batch after STOP_WAIT_MS and gives the one in
  // flight half as long again. Should closing the engine
  // still hang (a statement PostgreSQL never answers), the process ends anyway: nothing
  // acknowledged is lost, it is in the durable log (issue 13).
  const backstop = setTimeout(() => {
    process.stderr.write("verity: stopping took over 30 s; exiting (unapplied events stay in the ingest log)\n");
    process.exit(1);
  }, 30_000);
  backstop.unref();
  try {
    await server.close();
  } finally {
    await store.close();
    clearTimeout(backstop);
  }
}
