// Copies what the browser loads (src/web: the tracking script, later the dashboard) into
// dist/web, where the built server serves it from. TypeScript files are compiled, not copied.
import { cpSync, existsSync } from "node:fs";

if (existsSync("src/web")) {
  cpSync("src/web", "dist/web", {
    recursive: true,
    filter: (source) => !source.endsWith(".ts"),
  });
}
