import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";

const source = readFileSync(new URL("./verity.js", import.meta.url), "utf8");

describe("verity.js", () => {
  it("is under 3 KB gzipped", () => {
    expect(gzipSync(source, { level: 9 }).length).toBeLessThan(3072);
  });

  it("parses as a classic script", () => {
    expect(() => new Function(source)).not.toThrow();
  });
});
