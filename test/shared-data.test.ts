/**
 * When a run is CI's (test/support/shared-data.ts): there, a dataset under ../shared/data that
 * is missing fails the run instead of skipping the tests that read it.
 */
import { describe, expect, test } from "vitest";
import { inCi } from "./support/shared-data.js";

describe("inCi", () => {
  test("CI=true and other values mean CI; unset, empty, false and 0 do not", () => {
    expect(inCi({ CI: "true" })).toBe(true);
    expect(inCi({ CI: "1" })).toBe(true);
    expect(inCi({ CI: "TRUE" })).toBe(true);
    expect(inCi({})).toBe(false);
    expect(inCi({ CI: "" })).toBe(false);
    expect(inCi({ CI: "false" })).toBe(false);
    expect(inCi({ CI: " 0 " })).toBe(false);
  });
});
