/**
 * Segments on a hand-made company, on every engine: each filter, the combinations, consent
 * and suppression, and the errors a definition gets.
 */
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { engines } from "../../test/support/databases.js";
import { BASE, type LoadedFixture, lead, loadFixture, WORKSPACE } from "../../test/support/metric-fixtures.js";
import { sql } from "../store/sql.js";
import { forgetContact, writeContacts } from "./contacts.js";
import { parseDefinition, SegmentError } from "./segment-definition.js";
import { segmentPeople } from "./segment-sql.js";
import { listSegments, maskAddress, previewSegment, removeSegment, SegmentExists, saveSegment } from "./segments.js";

const hash = (email: string) => createHash("sha256").update(email.trim().toLowerCase()).digest("hex");
const AS_OF = new Date("2026-03-31T12:00:00Z");
const addr = (who: string) => `${who}@x.test`;

// a: an open lead in Demo since 03-01 (Ann, north, website, 5,000), a subscriber, two pricing visits.
// b: a lead lost on 03-10 for price (Cid, south). c: a subscriber, not a lead, two pricing visits in
// 30 days (one by its landing page, one by a tracked page view). d: a subscriber, one pricing visit in
// 30 days and one 40 days ago. e: like c but no opt-in. f: like c but bounced. g: like c, unsubscribed
// before the opt-in it gave later. h: a lead in New, whose newsletter unsubscribe came after the opt-in.
const FIXTURE = {
  ...BASE,
  leads: [
    lead({
      id: "L1",
      contact: "A@x.test",
      created_at: "2026-02-20 09:00:00",
      stage_id: "demo",
      source_channel: "website",
      value: 5000,
      currency: "EUR",
    }),
    lead({
      id: "L2",
      contact: addr("b"),
      owner_id: "cid",
      created_at: "2026-01-05",
      status: "lost",
      closed_at: "2026-03-10",
      loss_reason: "Price",
      value: 800,
      currency: "EUR",
      stage_id: "qual",
    }),
    lead({ id: "L3", contact: addr("h"), owner_id: "bob", created_at: "2026-03-30", stage_id: "new" }),
    lead({ id: "L4", contact: null, created_at: "2026-03-30", stage_id: "new" }),
  ],
  stage_events: [
    { lead_id: "L1", to_stage_id: "new", changed_at: "2026-02-20 09:00:00", rep_id: "ann" },
    { lead_id: "L1", from_stage_id: "new", to_stage_id: "demo", changed_at: "2026-03-01 09:00:00", rep_id: "ann" },
  ],
  newsletter_subscribers: [
    ...["a", "c", "d", "e", "f", "g"].map((w) => ({
      id: `s-${w}`,
      email_hash: hash(addr(w)),
      subscribed_at: "2025-06-01",
    })),
    { id: "s-h", email_hash: hash(addr("h")), subscribed_at: "2025-06-01", unsubscribed_at: "2026-02-01" },
  ],
  visits: [
    ...["a", "c", "e", "f", "g"].flatMap((w) => [
      {
        visit_id: `${w}1`,
        visitor_id: `V${w}`,
        started_at: "2026-03-10 10:00:00",
        landing_url: "https://x.test/pricing",
      },
      {
        visit_id: `${w}2`,
        visitor_id: `V${w}`,
        started_at: "2026-03-20 10:00:00",
        landing_url: "https://x.test/Pricing?x=1",
      },
    ]),
    { visit_id: "c2", visitor_id: "Vc", started_at: "2026-03-20 10:00:00", landing_url: "https://x.test/blog" },
    { visit_id: "d1", visitor_id: "Vd", started_at: "2026-03-15 10:00:00", landing_url: "https://x.test/pricing" },
    { visit_id: "d2", visitor_id: "Vd", started_at: "2026-02-19 10:00:00", landing_url: "https://x.test/pricing" },
  ].filter((v, i, all) => all.findIndex((o) => o.visit_id === v.visit_id) === i),
  visitor_identities: ["a", "c", "d", "e", "f", "g"].map((w) => ({
    visitor_id: `V${w}`,
    email_hash: hash(addr(w)),
    visit_id: `${w}1`,
    identified_at: "2026-03-10 10:00:00",
  })),
};

const contact = (who: string, consentAt = "2025-06-01 00:00:00") => ({
  address: addr(who),
  firstName: who.toUpperCase(),
  lastName: null,
  company: null,
  consentAt,
  consentSource: "test",
});

const PRICING_NOT_LEADS = {
  all: [{ subscriber: {} }, { visits: { page: "/pricing", min: 2, within_days: 30 } }, { not: { lead: {} } }],
};

describe.each(engines())("segments on %s", (engine) => {
  let f: LoadedFixture;
  const people = async (definition: unknown) => {
    const rows = await f.store.query<{ address: string | null; email_hash: string; suppressed: string | null }>(
      segmentPeople({ workspace: WORKSPACE, asOf: AS_OF }, parseDefinition(definition), "everyone"),
    );
    const byHash = new Map(["a", "b", "c", "d", "e", "f", "g", "h"].map((w) => [hash(addr(w)), w]));
    return rows.map((r) => byHash.get(r.email_hash) ?? r.email_hash).sort();
  };
  const preview = (definition: unknown, showAddresses = true) =>
    previewSegment(f.store, WORKSPACE, parseDefinition(definition), { asOf: AS_OF, showAddresses });

  beforeAll(async () => {
    f = await loadFixture(engine, FIXTURE);
    // c's second visit landed on the blog; the pricing page was a tracked page view in it.
    await f.store.execute(
      sql`INSERT INTO tracked_events (workspace_id, event_id, site_id, type, visitor_id, visit_id, occurred_at, url)
          VALUES (${WORKSPACE}, 'e1', 'site', 'pageview', 'Vc', 'c2', CAST('2026-03-20 10:01:00' AS TIMESTAMP), 'https://x.test/PRICING')`,
    );
    await writeContacts(f.store, WORKSPACE, {
      contacts: ["a", "b", "c", "d", "f", "g", "h"].map((w) =>
        contact(w, w === "g" || w === "h" ? "2026-01-01 00:00:00" : undefined),
      ),
      suppressions: [
        { address: addr("f"), reason: "bounced", since: "2026-02-01 00:00:00", source: "test" },
        { address: addr("g"), reason: "unsubscribed", since: "2025-12-01 00:00:00", source: "test" },
      ],
      notes: [],
    });
    // Another workspace's opt-in of e: not this workspace's.
    await writeContacts(f.store, "other", { contacts: [contact("e")], suppressions: [], notes: [] });
  }, 120_000);
  afterAll(async () => {
    await f?.dispose();
  });

  test("subscribers who visited the pricing page twice in 30 days and are not yet leads", async () => {
    expect(await people(PRICING_NOT_LEADS)).toEqual(["c", "e", "f", "g"]);
    const p = await preview(PRICING_NOT_LEADS);
    // e has no opt-in here (only in another workspace), f bounced; g's unsubscribe predates its opt-in.
    expect(p).toMatchObject({ matched: 4, mailable: 2, withoutOptIn: 1, suppressed: { bounced: 1, unsubscribed: 0 } });
    expect(p.sample.map((s) => s.address).sort()).toEqual([addr("c"), addr("g")]);
  });

  test("a visit count counts visits in the window only, and a page by landing URL or tracked page view", async () => {
    expect(await people({ visits: { page: "/pricing", min: 2, within_days: 45 } })).toEqual([
      "a",
      "c",
      "d",
      "e",
      "f",
      "g",
    ]);
    expect(await people({ visits: { page: "/pricing", min: 1, max: 1 } })).toEqual(["d"]);
    // min 0: everyone known but those with more than max visits (b and h have none).
    expect(await people({ visits: { min: 0, max: 1 } })).toEqual(["b", "d", "h"]);
    // A maximum alone counts from 0: "at most none" is nobody who visited.
    expect(await people({ visits: { max: 0 } })).toEqual(["b", "h"]);
    expect(await people({ visits: { max: 1, page: "/pricing" } })).toEqual(["b", "d", "h"]);
    expect(await people({ visits: { last_visit_within_days: 13 } })).toEqual(["a", "c", "e", "f", "g"]);
  });

  test("lead filters: stage, status, owner, team, source, value, days in stage, loss reason, windows", async () => {
    expect(await people({ lead: {} })).toEqual(["a", "b", "h"]);
    expect(await people({ lead: { stage: ["demo"] } })).toEqual(["a"]);
    expect(await people({ lead: { status: ["lost"], loss_reason: ["price"] } })).toEqual(["b"]);
    expect(await people({ lead: { owner: ["cid"] } })).toEqual(["b"]);
    expect(await people({ lead: { owner: ["Bob"] } })).toEqual(["h"]);
    expect(await people({ lead: { team: ["North"] } })).toEqual(["a", "h"]);
    expect(await people({ lead: { source: ["WEBSITE"] } })).toEqual(["a"]);
    expect(await people({ lead: { value: { min: 800, max: 800 } } })).toEqual(["b"]);
    // a has been in Demo since 03-01 09:00: 30 whole days at 03-31 12:00, not 31.
    expect(await people({ lead: { days_in_stage: { min: 30 } } })).toEqual(["a"]);
    expect(await people({ lead: { days_in_stage: { min: 31 } } })).toEqual([]);
    expect(await people({ lead: { days_in_stage: { max: 29 } } })).toEqual(["h"]);
    expect(await people({ lead: { created_within_days: 2 } })).toEqual(["h"]);
    // b closed on 03-10 00:00, 21.5 days before asOf.
    expect(await people({ lead: { closed_within_days: 22 } })).toEqual(["b"]);
    expect(await people({ lead: { closed_within_days: 21 } })).toEqual([]);
  });

  test("any, all and not combine; a subscriber unsubscribed before asOf is not one", async () => {
    expect(await people({ any: [{ lead: { status: ["lost"] } }, { lead: { stage: ["new"] } }] })).toEqual(["b", "h"]);
    expect(await people({ all: [{ subscriber: {} }, { lead: {} }] })).toEqual(["a"]);
    expect(await people({ not: { any: [{ subscriber: {} }, { lead: {} }] } })).toEqual([]);
    expect(await people({ not: { lead: {} } })).toEqual(["c", "d", "e", "f", "g"]);
    // Subscribed 2025-06-01, 303 days before asOf (h unsubscribed since).
    expect(await people({ subscriber: { subscribed_within_days: 300 } })).toEqual([]);
    expect(await people({ subscriber: { subscribed_within_days: 304 } })).toEqual(["a", "c", "d", "e", "f", "g"]);
  });

  test("as of an earlier moment: leads created later are left out, leads closed later were open", async () => {
    const at = (asOf: string, definition: unknown) =>
      f.store
        .query<{ email_hash: string }>(
          segmentPeople({ workspace: WORKSPACE, asOf: new Date(asOf) }, parseDefinition(definition), "everyone"),
        )
        .then((rows) => rows.map((r) => ["a", "b", "h"].find((w) => hash(addr(w)) === r.email_hash)).sort());
    // a was created 02-20, h 03-30; b (created 01-05, lost 03-10) was open on 02-01.
    expect(await at("2026-02-01T00:00:00Z", { lead: {} })).toEqual(["b"]);
    expect(await at("2026-02-01T00:00:00Z", { lead: { status: ["open"] } })).toEqual(["b"]);
    expect(await at("2026-02-01T00:00:00Z", { lead: { status: ["lost"] } })).toEqual([]);
    // Days in stage never count a lead not yet created, nor a stage entered after asOf.
    expect(await at("2026-02-01T00:00:00Z", { lead: { days_in_stage: { max: 5 } } })).toEqual([]);
    expect(await at("2026-02-25T00:00:00Z", { lead: { days_in_stage: { max: 10 } } })).toEqual([]);
  });

  test("a newsletter re-subscription after an unsubscribe is an opt-in of its own", async () => {
    const w = "resubscribed";
    await writeContacts(f.store, w, { contacts: [contact("a", "2025-01-01 00:00:00")], suppressions: [], notes: [] });
    const insert = (id: string, from: string, to: string | null) =>
      f.store.execute(
        sql`INSERT INTO newsletter_subscribers (workspace_id, id, source_system, email_hash, subscribed_at, unsubscribed_at)
            VALUES (${w}, ${id}, 'test', ${hash(addr("a"))}, CAST(${from} AS TIMESTAMP), ${to === null ? null : sql`CAST(${to} AS TIMESTAMP)`})`,
      );
    const mailable = async () =>
      (await previewSegment(f.store, w, parseDefinition({ subscriber: {} }), { asOf: AS_OF, showAddresses: true }))
        .mailable;
    await insert("s1", "2025-02-01", "2025-06-01");
    expect(await mailable()).toBe(0); // unsubscribed in the tool after the opt-in, and not a subscriber
    await insert("s2", "2025-09-01", null);
    expect(await mailable()).toBe(1);
  });

  test("an unsubscribe after the opt-in suppresses; a bounce always does", async () => {
    const p = await preview({ lead: {} });
    // a mailable; b mailable; h's newsletter unsubscribe (02-01) came after its opt-in (01-01).
    expect(p).toMatchObject({ matched: 3, mailable: 2, withoutOptIn: 0, suppressed: { unsubscribed: 1 } });
  });

  test("a forgotten contact is no longer mailable, and an import does not store it again", async () => {
    const other = "forget-test";
    await writeContacts(f.store, other, { contacts: [contact("a")], suppressions: [], notes: [] });
    expect(await forgetContact(f.store, other, "A@X.test ")).toBe(true);
    const again = await writeContacts(f.store, other, { contacts: [contact("a")], suppressions: [], notes: [] });
    expect(again).toMatchObject({ contacts: 0, skippedErased: 1 });
    const rows = await f.store.query(sql`SELECT address FROM mail_contacts WHERE workspace_id = ${other}`);
    expect(rows).toEqual([]);
  });

  test("saved segments: saved once, replaced on request, listed, removed", async () => {
    const saved = await saveSegment(
      f.store,
      WORKSPACE,
      { name: "pricing-hot", definition: PRICING_NOT_LEADS },
      { by: "t" },
    );
    expect(saved.definition).toEqual(parseDefinition(PRICING_NOT_LEADS));
    await expect(
      saveSegment(f.store, WORKSPACE, { name: "pricing-hot", definition: { lead: {} } }, { by: "t" }),
    ).rejects.toBeInstanceOf(SegmentExists);
    await saveSegment(
      f.store,
      WORKSPACE,
      { name: "pricing-hot", definition: { lead: {} } },
      { by: "t", replace: true },
    );
    expect((await listSegments(f.store, WORKSPACE)).map((s) => [s.name, s.definition])).toEqual([
      ["pricing-hot", { lead: {} }],
    ]);
    expect(await listSegments(f.store, "other")).toEqual([]);
    expect(await removeSegment(f.store, WORKSPACE, "pricing-hot")).toBe(true);
    expect(await removeSegment(f.store, WORKSPACE, "pricing-hot")).toBe(false);
  });

  test("a name the workspace does not have is an error naming the part and the names it has", async () => {
    const error = await preview({ all: [{ lead: {} }, { lead: { stage: ["Demo", "Qualifed"] } }] }).catch((e) => e);
    expect(error).toBeInstanceOf(SegmentError);
    expect(error.field).toBe("definition.all[1].lead.stage[1]");
    expect(error.message).toMatch(/no stage is called "Qualifed" \(known: "Demo", "New", "Proposal", "Qualified"\)/);
    await expect(preview({ lead: { owner: ["Zed"] } })).rejects.toThrow(/no rep is called "Zed"/);
    await expect(preview({ lead: { loss_reason: ["budget"] } })).rejects.toThrow(/known: "Price"/);
    // Nothing saved when the definition is wrong.
    await expect(
      saveSegment(f.store, WORKSPACE, { name: "typo", definition: { lead: { team: ["west"] } } }, { by: "t" }),
    ).rejects.toThrow(/no team is called "west"/);
    expect(await listSegments(f.store, WORKSPACE)).toEqual([]);
  });

  test("addresses are masked for callers who may not see them", async () => {
    const p = await preview({ lead: { stage: ["demo"] } }, false);
    // Names too: beside a masked address they would give it away.
    expect(p.sample).toEqual([{ address: "***@x.test", firstName: null, lastName: null, company: null }]);
    expect((await preview({ lead: { stage: ["demo"] } })).sample[0]?.firstName).toBe("A");
  });
});

describe("definitions", () => {
  const fails = (definition: unknown) => {
    try {
      parseDefinition(definition);
    } catch (error) {
      expect(error).toBeInstanceOf(SegmentError);
      return [(error as SegmentError).field, (error as Error).message];
    }
    throw new Error("parsed");
  };

  test("each shape error names the part at fault", () => {
    expect(fails("{")[0]).toBe("definition");
    expect(fails({})).toEqual(["definition", expect.stringMatching(/is empty: give one of all, any, not, lead/)]);
    expect(fails({ lead: {}, subscriber: {} })[1]).toMatch(/give exactly one .*\(combine several with "all"/);
    expect(fails({ all: [] })[0]).toBe("definition.all");
    expect(fails({ all: [{ lead: {} }, { leads: {} }] })).toEqual([
      "definition.all[1]",
      expect.stringMatching(/"leads" is not a condition/),
    ]);
    expect(fails({ lead: { stage: "Demo" } })[0]).toBe("definition.lead.stage");
    expect(fails({ lead: { colour: ["red"] } })).toEqual([
      "definition.lead.colour",
      expect.stringMatching(/is not a filter of "lead" \(filters: status, stage, owner/),
    ]);
    expect(fails({ lead: { status: ["maybe"] } })[0]).toBe("definition.lead.status[0]");
    expect(fails({ lead: { value: { min: 10, max: 5 } } })).toEqual([
      "definition.lead.value",
      expect.stringMatching(/min is above max/),
    ]);
    expect(fails({ visits: { min: 1.5 } })[0]).toBe("definition.visits.min");
    expect(fails({ visits: { within_days: 0 } })[0]).toBe("definition.visits.within_days");
    expect(fails({ not: { lead: { stage: ["a\u0000b"] } } })[0]).toBe("definition.not.lead.stage[0]");
  });

  test("a name of JavaScript's own (constructor, __proto__) is not a condition", () => {
    expect(fails({ constructor: {} })[1]).toMatch(/"constructor" is not a condition/);
    expect(fails(JSON.parse('{"__proto__": {}}'))[1]).toMatch(/"__proto__" is not a condition/);
    expect(fails({ lead: { toString: [] } })[0]).toBe("definition.lead.toString");
  });

  test("a last visit needs a visit; visits conditions are few", () => {
    expect(fails({ visits: { min: 0, last_visit_within_days: 7 } })[1]).toMatch(/a last visit needs a visit/);
    expect(fails({ visits: { max: 3, last_visit_within_days: 7 } })[1]).toMatch(/a last visit needs a visit/);
    expect(fails({ any: Array.from({ length: 5 }, () => ({ visits: {} })) })).toEqual([
      "definition.any[4].visits",
      expect.stringMatching(/more than 4 visits conditions/),
    ]);
  });

  test("depth and size are bounded", () => {
    let deep: unknown = { lead: {} };
    for (let i = 0; i < 10; i++) deep = { not: deep };
    expect(fails(deep)[1]).toMatch(/nests deeper than 8/);
    expect(fails({ any: Array.from({ length: 70 }, () => ({ lead: {} })) })[1]).toMatch(/more than 64 conditions/);
  });

  test("masking keeps the domain and hides most of the name", () => {
    expect(maskAddress("anna.berg@example.com")).toBe("an***@example.com");
    expect(maskAddress("a@example.com")).toBe("***@example.com");
  });
});
