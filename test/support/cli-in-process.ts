/**
 * The `verity` command run inside the test's own process: `run()` of src/cli/main.ts with
 * its output captured, as the bin would print it. A child process costs a Node start and
 * the loading of every module (about a second on a busy 2-core machine); tests about what a
 * command says and does use this, and each command family keeps at least one test through the
 * real bin (bin/verity.js in a child process) for the process itself: exit code, streams.
 */
import { run } from "../../src/cli/main.js";

export type CliResult = { code: number; stdout: string; stderr: string };

/** One command at a time: the capture replaces process.stdout/stderr.write for the whole process. */
let queue: Promise<unknown> = Promise.resolve();

/**
 * Runs `verity ...args` with `env` set for the call (an empty value hides the variable, as
 * the child-process tests do with VERITY_DB="" and the like), and returns what it printed.
 */
export function verityInProcess(args: readonly string[], env: Record<string, string> = {}): Promise<CliResult> {
  const next = queue.then(() => runCaptured(args, env));
  queue = next.catch(() => {});
  return next;
}

async function runCaptured(args: readonly string[], env: Record<string, string>): Promise<CliResult> {
  const saved = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
  const out = process.stdout.write;
  const err = process.stderr.write;
  let stdout = "";
  let stderr = "";
  const capture =
    (append: (text: string) => void) =>
    (chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
      append(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
      // write(chunk, callback) or write(chunk, encoding, callback): the callback still runs.
      const callback = rest.find((r) => typeof r === "function") as (() => void) | undefined;
      callback?.();
      return true;
    };
  Object.assign(process.env, env);
  process.stdout.write = capture((text) => {
    stdout += text;
  }) as typeof process.stdout.write;
  process.stderr.write = capture((text) => {
    stderr += text;
  }) as typeof process.stderr.write;
  try {
    const code = await run(["node", "verity", ...args]);
    return { code, stdout, stderr };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    // run() leaves the exit code a failing command set; it is this call's, not the test process's.
    process.exitCode = undefined;
  }
}
