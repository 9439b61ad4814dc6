/**
 * A fresh `verity` process, start to exit (issue 17, target 3: `verity check` at size l
 * under 1 s wall): Node alone (`node -e 0`, the floor), `node bin/verity.js --version` (Node
 * and the CLI, no database), `node bin/verity.js check` on a database (answered from the
 * answer its first run kept), the same computed (VERITY_READ_CACHE=off), the same check of a
 * workspace with no data (it ends at its first query: the start without the metrics' work),
 * and `--version` and `check` through `npx verity` (npm's own start on top). Figures, not a
 * test.
 *
 *   npx tsx bench/cli-start.ts
 *   BENCH_DB=bench/out/l.duckdb BENCH_RUNS=11 npx tsx bench/cli-start.ts
 *
 * BENCH_DB (default bench/out/m.duckdb) is copied to a temporary file first, so the original
 * is never opened (a first open of an older schema migrates it); the copy is removed at the
 * end. BENCH_PERIOD (2026-Q2) and BENCH_WORKSPACE ("bench", the metrics bench's) say what is
 * checked. BENCH_ROOT runs another tree's bin/verity.js; BENCH_COMPARE_ROOT adds that
 * tree's `--version` and both checks to the same rounds (a build from before a change, its
 * node_modules beside it); BENCH_NPX=0 leaves out the npx cases.
 *
 * The cases take turns, one run each per round, so a load change on the shared machine hits
 * them alike; each is run once untimed first (page cache, the copy's migrations, npx's link
 * of the package in its cache: the first `npx verity` in a folder runs the package's
 * `prepare`, which builds dist/). Wall time from spawn to exit; CPU (user + system, the
 * process and its children) and peak RSS (the largest process) from /usr/bin/time, when the
 * machine has it. On a busy 2-core machine wall times move with the others' load and CPU
 * time much less: read both.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";

const root = resolve(process.env.BENCH_ROOT ?? join(import.meta.dirname, ".."));
const runs = Number(process.env.BENCH_RUNS ?? 7);
const period = process.env.BENCH_PERIOD ?? "2026-Q2";
const workspace = process.env.BENCH_WORKSPACE ?? "bench";
const source = resolve(process.env.BENCH_DB ?? join(import.meta.dirname, "out", "m.duckdb"));
const TIME = "/usr/bin/time";
const hasTime = existsSync(TIME);

if (!existsSync(source))
  throw new Error(`no database at ${source}: set BENCH_DB (bench:metrics makes bench/out/*.duckdb)`);
if (!existsSync(join(root, "dist", "cli", "main.js"))) throw new Error(`${root}/dist is missing: npm run build`);

/** A command line, its exit code (0 unless said), what its output must match, and its environment. */
type Case = {
  name: string;
  command: string[];
  exit?: number;
  stdout?: RegExp;
  stderr?: RegExp;
  env?: Record<string, string>;
};
type Sample = { wallMs: number; cpuMs: number | null; rssMb: number | null };

const scratch = mkdtempSync(join(tmpdir(), "verity-cli-start-"));
const db = join(scratch, "check.duckdb");
copyFileSync(source, db);
const bin = join(root, "bin", "verity.js");
const checkArgs = ["--db", db, "-w", workspace, "check", "--period", period];
const CHECKED = /^Vanity check · /;
const EMPTY = /has no data yet/;
// A workspace with no data: the check stops at its first query (the start, the open and the
// migrations check, nothing of the metrics' work).
const emptyArgs = ["--db", db, "-w", "bench-cli-start-empty", "check", "--period", period];

const cases: Case[] = [
  { name: "node -e 0", command: [process.execPath, "-e", "0"] },
  { name: "node bin/verity.js --version", command: [process.execPath, bin, "--version"], stdout: /^0\./ },
  // The untimed first run keeps the answer in the database (src/metrics/kept-answers.ts): the
  // timed runs read it, as every check after the first of unchanged data does.
  { name: "node bin/verity.js check", command: [process.execPath, bin, ...checkArgs], stdout: CHECKED },
  // Every statement run, as the first check after an import (nothing kept, in memory or on disk).
  {
    name: "... check, computed",
    command: [process.execPath, bin, ...checkArgs],
    stdout: CHECKED,
    env: { VERITY_READ_CACHE: "off" },
  },
  { name: "... check, empty workspace", command: [process.execPath, bin, ...emptyArgs], exit: 1, stderr: EMPTY },
];
// The same two from another tree in the same rounds: a build from before a change, say.
const compare = process.env.BENCH_COMPARE_ROOT ? resolve(process.env.BENCH_COMPARE_ROOT) : null;
if (compare) {
  const other = join(compare, "bin", "verity.js");
  cases.push(
    { name: "compare: --version", command: [process.execPath, other, "--version"], stdout: /^0\./ },
    { name: "compare: check", command: [process.execPath, other, ...checkArgs], stdout: CHECKED },
    {
      name: "compare: check, empty workspace",
      command: [process.execPath, other, ...emptyArgs],
      exit: 1,
      stderr: EMPTY,
    },
  );
}
// npx in BENCH_ROOT: npm's self-execution of the folder's package, as the README's `npx verity`.
if (process.env.BENCH_NPX !== "0") {
  cases.push(
    { name: "npx verity --version", command: ["npx", "verity", "--version"], stdout: /^0\./ },
    { name: "npx verity check", command: ["npx", "verity", ...checkArgs], stdout: CHECKED },
  );
}

/** One run of a case; throws when it fails or prints something else than expected. */
function once(c: Case): Sample {
  const stats = join(scratch, "time.txt");
  const argv = hasTime ? [TIME, "-f", "%U %S %M", "-o", stats, ...c.command] : c.command;
  const started = performance.now();
  const result = spawnSync(argv[0] as string, argv.slice(1), {
    cwd: root,
    encoding: "utf8",
    maxBuffer: 64 << 20,
    env: { ...process.env, ...c.env },
  });
  const wallMs = performance.now() - started;
  const wrong =
    result.status !== (c.exit ?? 0) ||
    (c.stdout && !c.stdout.test(result.stdout)) ||
    (c.stderr && !c.stderr.test(result.stderr));
  if (wrong) {
    throw new Error(`${c.name} failed (exit ${result.status}):\n${result.stderr}${result.stdout.slice(0, 500)}`);
  }
  if (!hasTime) return { wallMs, cpuMs: null, rssMb: null };
  // The last line: /usr/bin/time may write a "Command exited with..." line before it.
  const [user, system, rssKb] = (readFileSync(stats, "utf8").trim().split("\n").at(-1) ?? "").split(" ").map(Number);
  return { wallMs, cpuMs: ((user ?? Number.NaN) + (system ?? Number.NaN)) * 1000, rssMb: (rssKb ?? Number.NaN) / 1024 };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};

const samples = new Map<string, Sample[]>(cases.map((c) => [c.name, []]));
const loadBefore = loadavg()[0] as number;
try {
  for (const c of cases) once(c);
  for (let round = 0; round < runs; round++) {
    for (const c of cases) samples.get(c.name)?.push(once(c));
    process.stderr.write(`round ${round + 1} of ${runs}\n`);
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
const loadAfter = loadavg()[0] as number;

const results = cases.map((c) => {
  const all = samples.get(c.name) ?? [];
  const wall = all.map((s) => s.wallMs);
  const cpu = all.flatMap((s) => (s.cpuMs === null ? [] : [s.cpuMs]));
  const rss = all.flatMap((s) => (s.rssMb === null ? [] : [s.rssMb]));
  return {
    name: c.name,
    medianMs: median(wall),
    minMs: Math.min(...wall),
    maxMs: Math.max(...wall),
    medianCpuMs: cpu.length ? median(cpu) : null,
    peakRssMb: rss.length ? Math.max(...rss) : null,
  };
});

const f = (n: number | null) => (n === null ? "n/a" : n.toFixed(0));
const lines = [
  `Fresh CLI processes on ${source} (copied), workspace ${workspace}, period ${period}; ${runs} runs each, taking turns; ` +
    `${cpus().length} x ${cpus()[0]?.model ?? "cpu"}; 1-min load ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after`,
  "",
  `${"case".padEnd(32)}${"median ms".padStart(10)}${"min".padStart(8)}${"max".padStart(8)}${"CPU ms".padStart(9)}${"peak RSS MB".padStart(13)}`,
  ...results.map(
    (r) =>
      `${r.name.padEnd(32)}${f(r.medianMs).padStart(10)}${f(r.minMs).padStart(8)}${f(r.maxMs).padStart(8)}${f(r.medianCpuMs).padStart(9)}${f(r.peakRssMb).padStart(13)}`,
  ),
];
if (!hasTime) lines.push("", `(${TIME} is missing: no CPU or memory figures)`);
process.stdout.write(`${lines.join("\n")}\n`);
const outDir = join(import.meta.dirname, "out");
mkdirSync(outDir, { recursive: true });
writeFileSync(
  join(outDir, `cli-start-${new Date().toISOString().replaceAll(":", "-")}.json`),
  JSON.stringify({ source, workspace, period, runs, root, compare, loadBefore, loadAfter, results }, null, 2),
);
