/**
 * The size of what /js/verity.js serves: the source minified by scripts/tracker.mjs, the step
 * the build writes dist/web/tracker/verity.js with and a server run from src/ serves, so this
 * needs no build. What the browser transfers is this gzipped (the server gzips it at level 9).
 */
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { beforeAll, describe, expect, it } from "vitest";
import { minifyTracker, TRACKER_SOURCE } from "../../../scripts/tracker.mjs";

let served = "";

describe("verity.js as served", () => {
  beforeAll(async () => {
    served = await minifyTracker();
  });

  it("is under 1.5 KB gzipped", () => {
    expect(gzipSync(served, { level: 9 }).length).toBeLessThan(1536);
  });

  it("is minified from the source", () => {
    expect(served.length).toBeLessThan(readFileSync(TRACKER_SOURCE, "utf8").length / 2);
    expect(served).toContain("/api/event");
  });

  it("parses as a classic script", () => {
    expect(() => new Function(served)).not.toThrow();
  });
});
