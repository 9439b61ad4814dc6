/**
 * The findings of the vanity check, from the numbers alone (the pairs' data is tested with
 * each metric; test/vanity-check.test.ts runs the whole check on a simulated company).
 */
import { describe, expect, test } from "vitest";
import { findingFor, PAIRS } from "./vanity-check.js";

const pair = (vanity: string) => {
  const found = PAIRS.find((p) => p.vanity === vanity);
  if (!found) throw new Error(vanity);
  return found;
};

describe("findingFor", () => {
  test("vanity up, real down: diverging, with both changes and the meaning", () => {
    // The article's example: new leads +25%, qualified leads −4%.
    const f = findingFor(pair("new-leads"), "New leads", 0.25, -0.04);
    expect(f).toEqual({
      verdict: "diverging",
      divergence: 0.29,
      kind: "flat",
      finding: "New leads +25%, qualified leads flat (−4.0%): the extra leads are not the kind that qualify.",
    });
    expect(findingFor(pair("new-leads"), "New leads", 0.25, -0.2)).toMatchObject({
      kind: "falls",
      finding: "New leads +25%, qualified leads −20%: lead quality is falling.",
    });
  });

  test("visits up, returning visitors flat: the traffic came once", () => {
    const f = findingFor(pair("visits"), "Website visits", 0.4, 0.01);
    expect(f.verdict).toBe("diverging");
    expect(f.finding).toBe(
      "Website visits +40%, returning visitors flat (+1.0%): the extra traffic came once and left.",
    );
  });

  test("for days to win, lower is better: sales up and days up diverge", () => {
    // +10% sales, +30% days to win: good-direction change −0.3, divergence 0.1 − (−0.3) = 0.4.
    const f = findingFor(pair("total-sales"), "Total sales", 0.1, 0.3);
    expect(f.verdict).toBe("diverging");
    expect(f.divergence).toBeCloseTo(0.4, 10);
    expect(f.finding).toBe(
      "Total sales +10%, median days to win +30%: sales grew but deals take longer to close; the pipeline is slowing.",
    );
    // Sales up, deals closing faster: aligned and improving.
    expect(findingFor(pair("total-sales"), "Total sales", 0.1, -0.2).verdict).toBe("aligned");
    // Sales up, deals closing as fast as before: no warning (steady speed is fine here).
    expect(findingFor(pair("total-sales"), "Total sales", 0.2, -0.007)).toMatchObject({
      verdict: "aligned",
      finding: "Total sales +20%, median days to win flat (−0.7%): sales grew and deals close as fast as before.",
    });
    // The same steady real number beside rising new leads is a warning.
    expect(findingFor(pair("new-leads"), "New leads", 0.2, 0.007).verdict).toBe("diverging");
  });

  test("vanity down, real up: improving", () => {
    const f = findingFor(pair("activities"), "Activities logged", -0.2, 0.15);
    expect(f.verdict).toBe("improving");
    expect(f.kind).toBe("improving");
    expect(f.finding).toBe("Activities logged −20%, won leads +15%: less noise, better results.");
  });

  test("both flat: aligned, held steady", () => {
    const f = findingFor(pair("subscribers"), "Newsletter subscribers", 0.02, -0.01);
    expect(f.verdict).toBe("aligned");
    expect(f.kind).toBe("steady");
    expect(f.finding).toBe(
      "Newsletter subscribers flat (+2.0%), leads from the newsletter flat (−1.0%): leads from the newsletter held steady.",
    );
  });

  test("real number falling on its own is still flagged", () => {
    const f = findingFor(pair("followers"), "Followers", 0, -0.3);
    expect(f.verdict).toBe("diverging");
    expect(f.kind).toBe("real-fell");
    expect(f.finding).toBe("Followers flat (±0.0%), shares per post −30%: shares per post fell; watch this one.");
  });

  test("no earlier number: unknown, and says which", () => {
    expect(findingFor(pair("impressions"), "Social impressions", null, 0.1)).toEqual({
      verdict: "unknown",
      divergence: null,
      kind: "no-change",
      finding: "No change to compare for social impressions: the earlier period has none.",
    });
  });
});
