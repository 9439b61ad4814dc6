/**
 * A DuckDB file held by another process: one clear sentence with what to do, not a stack.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "vitest";
import { DatabaseLockedError, openDuckDbStore } from "../src/store/duckdb-store.js";

test("opening a file another process holds names the file, the holder and what to do", async () => {
  const dir = await mkdtemp(join(tmpdir(), "verity-lock-"));
  const file = join(dir, "held.duckdb");
  const holder = spawn(
    process.execPath,
    [
      "--input-type=module",
      "-e",
      `import { DuckDBInstance } from "@duckdb/node-api";
       const db = await DuckDBInstance.create(${JSON.stringify(file)});
       await db.connect();
       console.log("holding");
       setInterval(() => {}, 1000);`,
    ],
    { cwd: join(import.meta.dirname, ".."), stdio: ["ignore", "pipe", "inherit"] },
  );
  try {
    await new Promise<void>((resolve, reject) => {
      holder.stdout.on("data", (chunk: Buffer) => chunk.toString().includes("holding") && resolve());
      holder.on("exit", (code) => reject(new Error(`holder exited with ${code}`)));
    });
    const error = await openDuckDbStore(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseLockedError);
    const message = (error as Error).message;
    expect(message).toContain(file);
    expect(message).toContain(`PID ${holder.pid}`);
    expect(message).toMatch(/stop that process|--server/);
    expect(message.split("\n")).toHaveLength(1);
  } finally {
    holder.kill();
    await rm(dir, { recursive: true, force: true });
  }
});
