// Copies what the browser loads (src/web: the tracking script, later the dashboard) into
// dist/web, where the built server serves it from. TypeScript files are compiled, not copied;
// the tracking script is written minified (scripts/tracker.mjs).
import { cpSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { minifyTracker, TRACKER_SOURCE } from "./tracker.mjs";

if (existsSync("src/web")) {
  const tracker = fileURLToPath(TRACKER_SOURCE);
  cpSync("src/web", "dist/web", {
    recursive: true,
    filter: (source) => !source.endsWith(".ts") && resolve(source) !== tracker,
  });
  mkdirSync("dist/web/tracker", { recursive: true });
  writeFileSync("dist/web/tracker/verity.js", await minifyTracker());
}

