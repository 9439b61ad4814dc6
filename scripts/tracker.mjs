// The website tracker as /js/verity.js serves it: src/web/tracker/verity.js minified by esbuild.
// One function for both ways the server runs: the build (copy-assets.mjs) writes it to
// dist/web/tracker/verity.js, and a server run from src/ (tsx, the tests) minifies the source
// with it when first asked, so both serve the same bytes and the source stays readable.
import { readFile } from "node:fs/promises";
import { transform } from "esbuild";

export const TRACKER_SOURCE = new URL("../src/web/tracker/verity.js", import.meta.url);

/** The served script. ES2017 keeps the browsers the source was written for. */
export async function minifyTracker() {
  const source = await readFile(TRACKER_SOURCE, "utf8");
  // tsconfigRaw: not the project's tsconfig, whose strictness would add "use strict" (bytes).
  const { code } = await transform(source, { loader: "js", minify: true, target: "es2017", tsconfigRaw: {} });
  return code;
}
