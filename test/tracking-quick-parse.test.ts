/**
 * The tracking intake's quick road (parseTrackingRequest in src/server/collect/tracking-schema.ts)
 * checks plain pageview requests by hand instead of with zod. It must accept only what the
 * schema accepts and give exactly what zod gives (the log line is written from it): generated
 * bodies, valid and broken near the limits, go both ways. Pure functions, no server: ~1 s.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  parseTrackingRequest,
  quickTrackingRequest,
  TrackingRequestSchema,
} from "../src/server/collect/tracking-schema.js";
import { fieldText, fuzzParameters } from "./support/fuzz.js";

const id = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9_-]{16,40}$/),
  fc.constantFrom("short", "x".repeat(41), "a".repeat(15), "a".repeat(16), "é".repeat(20), "a b".repeat(8)),
);
/** A field's value: usually text near its limit, sometimes another JSON type or absent. */
const value = (limit: number) =>
  fc.oneof(
    { weight: 6, arbitrary: fc.string({ maxLength: 30 }) },
    { weight: 3, arbitrary: fieldText(limit) },
    { weight: 1, arbitrary: fc.constantFrom("x".repeat(limit), "x".repeat(limit + 1), "a\u0000b", "\ud800", "😀") },
    { weight: 1, arbitrary: fc.constantFrom(null, 1, true, [], {}) },
  );
const utm = fc.oneof(
  fc.record(
    {
      source: value(200),
      medium: value(200),
      campaign: value(200),
      content: value(200),
      term: value(200),
      other: fc.string(),
    },
    { requiredKeys: [] },
  ),
  fc.constantFrom(null, "utm", [], {}),
);
const anyEvent = fc.record(
  {
    id,
    type: fc.constantFrom("pageview", "pageview", "pageview", "identify", "form", "click"),
    visitor: id,
    visit: id,
    url: value(2000),
    referrer: value(2000),
    utm,
    email: fc.constantFrom("a@b.example", "not an email"),
    form: fc.string({ maxLength: 10 }),
    firstTouch: fc.constant({ referrer: "https://x.example/" }),
    extra: fc.string(),
    ["__proto__"]: fc.constant("x"),
  },
  { requiredKeys: [] },
);
/** Mostly the quick road's shape, each field sometimes wrong. */
const validId = fc.stringMatching(/^[A-Za-z0-9_-]{16,40}$/);
const pageview = fc.record(
  {
    id: fc.oneof({ weight: 9, arbitrary: validId }, { weight: 1, arbitrary: id }),
    type: fc.constantFrom("pageview", "pageview", "pageview", "pageview", "identify"),
    visitor: fc.oneof({ weight: 9, arbitrary: validId }, { weight: 1, arbitrary: id }),
    visit: validId,
    url: fc.oneof({ weight: 9, arbitrary: fc.string({ maxLength: 60 }) }, { weight: 2, arbitrary: value(2000) }),
    referrer: fc.oneof({ weight: 9, arbitrary: fc.string({ maxLength: 60 }) }, { weight: 1, arbitrary: value(2000) }),
    utm: fc.oneof(
      {
        weight: 9,
        arbitrary: fc.record(
          { source: fc.string(), medium: fc.string(), campaign: fc.string(), content: fc.string(), term: fc.string() },
          { requiredKeys: [] },
        ),
      },
      { weight: 1, arbitrary: utm },
    ),
  },
  { requiredKeys: ["id", "type", "visitor", "visit", "url"] },
);
const event = fc.oneof({ weight: 4, arbitrary: pageview }, { weight: 1, arbitrary: anyEvent });
const body = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record(
      {
        site: fc.oneof({ weight: 9, arbitrary: fc.string({ maxLength: 40 }) }, { weight: 1, arbitrary: value(100) }),
        events: fc.oneof(
          { weight: 9, arbitrary: fc.array(event, { minLength: 0, maxLength: 3 }) },
          { weight: 1, arbitrary: fc.array(event, { minLength: 50, maxLength: 51 }) },
        ),
        extra: fc.string(),
      },
      { requiredKeys: ["site", "events"] },
    ),
  },
  { weight: 1, arbitrary: fc.constantFrom(null, 1, "text", [], {}, { site: "vs_x" }) },
);

describe("the tracking intake's quick road", () => {
  it("accepts only what zod accepts, and gives what zod gives", () => {
    let quick = 0;
    fc.assert(
      fc.property(body, (generated) => {
        // As the intake gets it: parsed from JSON text (own keys such as __proto__ included).
        const raw = JSON.parse(JSON.stringify(generated)) as unknown;
        const fast = quickTrackingRequest(raw);
        const zod = TrackingRequestSchema.safeParse(raw);
        if (fast) {
          quick += 1;
          expect(zod.success).toBe(true);
          expect(JSON.stringify(fast)).toBe(JSON.stringify(zod.data));
          expect(fast).toEqual(zod.data);
        }
        const both = parseTrackingRequest(raw);
        expect(both.success).toBe(zod.success);
        if (both.success) expect(both.data).toEqual(zod.data);
      }),
      fuzzParameters(3000),
    );
    // The generator reaches the quick road, so the comparison above is not empty.
    expect(quick).toBeGreaterThan(50);
  });

  it("takes the quick road for a plain pageview and leaves the rest to zod", () => {
    const pageview = {
      id: "e".repeat(20),
      type: "pageview",
      visitor: "v".repeat(20),
      visit: "s".repeat(20),
      url: "https://www.example.com/pricing?utm_source=x",
      utm: { medium: "cpc", source: "google" },
    };
    const raw = JSON.parse(JSON.stringify({ site: "vs_key", events: [pageview] }));
    expect(quickTrackingRequest(raw)).toEqual({
      site: "vs_key",
      events: [{ ...pageview, referrer: "", utm: { source: "google", medium: "cpc" } }],
    });
    expect(JSON.stringify(quickTrackingRequest(raw)?.events[0]?.utm)).toBe('{"source":"google","medium":"cpc"}');
    // Each limit: at it the quick road takes the request, one past it zod refuses it.
    const request = (site: string, events: object[]) => JSON.parse(JSON.stringify({ site, events }));
    const limits: [string, (n: number) => object][] = [
      ["site", (n) => request("k".repeat(n), [pageview])],
      ["url", (n) => request("vs_key", [{ ...pageview, url: "u".repeat(n) }])],
      ["referrer", (n) => request("vs_key", [{ ...pageview, referrer: "r".repeat(n) }])],
      ["utm", (n) => request("vs_key", [{ ...pageview, utm: { term: "t".repeat(n) } }])],
      ["id", (n) => request("vs_key", [{ ...pageview, id: "i".repeat(n) }])],
      ["events", (n) => request("vs_key", Array(n).fill(pageview))],
    ];
    for (const [name, make] of limits) {
      const at = { site: 100, url: 2000, referrer: 2000, utm: 200, id: 40, events: 50 }[name] as number;
      expect(quickTrackingRequest(make(at)), name).not.toBeNull();
      expect(quickTrackingRequest(make(at + 1)), name).toBeNull();
      expect(parseTrackingRequest(make(at + 1)).success, name).toBe(false);
    }
    // An identify event, a lone surrogate, an unknown key: zod decides (and refuses the last two).
    const identify = { ...pageview, type: "identify", email: "a@b.example" };
    expect(quickTrackingRequest({ site: "vs_key", events: [identify] })).toBeNull();
    expect(parseTrackingRequest({ site: "vs_key", events: [identify] }).success).toBe(true);
    expect(quickTrackingRequest({ site: "vs_key", events: [{ ...pageview, url: "\ud800" }] })).toBeNull();
    expect(parseTrackingRequest({ site: "vs_key", events: [{ ...pageview, url: "\ud800" }] }).success).toBe(false);
    expect(parseTrackingRequest({ site: "vs_key", events: [{ ...pageview, color: "red" }] }).success).toBe(false);
  });
});
