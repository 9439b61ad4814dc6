#!/usr/bin/env node
// The `verity` command. The TypeScript sources are compiled to dist/ by `npm ci` (prepare).
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const main = new URL("../dist/cli/main.js", import.meta.url);
if (!existsSync(fileURLToPath(main))) {
  console.error("verity: dist/ is missing; run `npm ci` (or `npm run build`) in the Verity folder first.");
  process.exit(1);
}
// A reader that stops early (`verity report | head -1`) closes the pipe: not an error of ours.
process.stdout.on("error", (error) => {
  if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw error;
});
const { run } = await import(main.href);
process.exitCode = await run(process.argv);
