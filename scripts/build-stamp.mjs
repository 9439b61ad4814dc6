// A new stamp for every build, written before the compiler runs: answers kept between
// processes (src/metrics/kept-answers.ts) are keyed by it, so none outlives a change of the
// code, even when a build stops half-way (tsc writes JavaScript despite type errors).
import { randomUUID } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";

mkdirSync("dist", { recursive: true });
writeFileSync("dist/build-stamp.txt", `${randomUUID()}\n`);
