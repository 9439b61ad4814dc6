// A new stamp for every build, written before the compiler runs: answers kept between
// processes (src/metrics/kept-answers.ts) are keyed by it, so none outlives a change of the
// code, even when a build stops half-way (tsc writes JavaScript despite type errors).
//
// The builds are incremental (tsconfig.build.json, tsconfig.web.json: .tsbuildinfo in dist/),
// and tsc then writes only what changed since its record: an output deleted by hand would not
// come back. When any source's JavaScript is missing from dist/, the records go and tsc
// compiles everything again.
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";

mkdirSync("dist", { recursive: true });
writeFileSync("dist/build-stamp.txt", `${randomUUID()}\n`);

const sources = readdirSync("src", { recursive: true, withFileTypes: true })
  .filter((e) => e.isFile() && e.name.endsWith(".ts") && !e.name.endsWith(".test.ts") && !e.name.endsWith(".d.ts"))
  .map((e) => relative("src", join(e.parentPath, e.name)));
const missing = sources.find((source) => !existsSync(join("dist", source.replace(/\.ts$/, ".js"))));
if (missing !== undefined) {
  for (const record of ["dist/.tsbuildinfo", "dist/web/.tsbuildinfo"]) rmSync(record, { force: true });
}
