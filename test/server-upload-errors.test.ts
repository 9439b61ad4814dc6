/**
 * Issue 13: what POST /api/import says when it refuses an upload.
 * - Defect 6: a Salesforce .zip was inflated whole in memory (a 4 MB zip took 1.37 GB, a
 *   628 MB entry answered 500). Now a zip bomb is a 400 and a zip over the size limits a
 *   413, both naming the file the user gave, before anything is inflated.
 * - Item 7: upload errors showed the server's temporary path and named command-line flags
 *   (`--date-format dmy`) instead of the API's query parameters (`dateFormat=dmy`).
 * Every refusal below: no temporary path, no `--flag`, nothing written; on both engines.
 */
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKey } from "../src/accounts/keys.js";
import { ensureWorkspace } from "../src/ingest/importer.js";
import { createServer, type VerityServer } from "../src/server/server.js";
import { sql } from "../src/store/sql.js";
import { engines } from "./support/databases.js";
import { openTestStore, type TestStore } from "./support/stores.js";
import { writeZip, type ZipEntrySpec, zeros } from "./support/zip-writer.js";

const CRM = join(import.meta.dirname, "fixtures", "crm");
const KiB = 1024;

type Answer = { status: number; error: { status: number; code: string; message: string; field?: string } };

/** A message the user may see: no server path, no command-line flag. */
function expectForUser(message: string): void {
  expect(message).not.toContain(tmpdir());
  expect(message).not.toContain("verity-upload");
  expect(message).not.toMatch(/(^|[\s(`'"])--[a-z]/);
}

async function csvEntries(dir: string, leave: readonly string[] = ["rates.csv"]): Promise<ZipEntrySpec[]> {
  const names = (await readdir(dir)).filter((f) => f.endsWith(".csv") && !leave.includes(f)).sort();
  return Promise.all(names.map(async (name) => ({ name, chunks: [await readFile(join(dir, name))] })));
}

let scratch: string;
/** The zips the tests upload, made once for both engines. */
const zips: Record<string, Uint8Array> = {};
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "verity-upload-errors-"));
  const make = async (name: string, entries: ZipEntrySpec[]) => {
    const path = join(scratch, `${name}.zip`);
    await writeZip(path, entries);
    zips[name] = new Uint8Array(await readFile(path));
  };
  const good = await csvEntries(join(CRM, "salesforce"));
  await make("good", good);
  await make("duplicate-ids", await csvEntries(join(CRM, "bad", "salesforce-duplicate-ids")));
  // 200 MiB of zeros as Opportunity.csv packs to ~200 KiB (1,000 to 1): a zip bomb.
  await make("bomb", [
    ...good.filter((e) => e.name !== "Opportunity.csv"),
    { name: "Opportunity.csv", chunks: zeros(200) },
  ]);
  // 600 MiB (over the 500 MiB of one file) that, unlike zeros, packs only ~66 to 1 (9 MB):
  // no bomb, just too large.
  const chunk = Buffer.alloc(1024 * KiB);
  for (let i = 0; i < chunk.length; i += 100) chunk[i] = 0x41 + ((i / 100) % 26);
  await make("large", [{ name: "Opportunity.csv", chunks: Array.from({ length: 600 }, () => chunk), level: 1 }]);
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

for (const engine of engines()) {
  describe(`upload refusals (${engine})`, () => {
    let db: TestStore;
    let server: VerityServer;
    let key: string;

    beforeAll(async () => {
      db = await openTestStore(engine);
      await ensureWorkspace(db.store, "w");
      key = (await createKey(db.store, { workspace: "w", name: "up", scopes: ["data:write"] })).secret;
      server = await createServer({ store: db.store, dataDir: join(scratch, `data-${engine}`), logLevel: "silent" });
    });
    afterAll(async () => {
      await server?.close();
      await db?.dispose();
    });

    const counts = async () => {
      const [row] = await db.store.query<{ leads: number; reps: number }>(
        sql`SELECT (SELECT count(*) FROM leads) AS leads, (SELECT count(*) FROM reps) AS reps`,
      );
      return { leads: Number(row?.leads), reps: Number(row?.reps) };
    };
    const upload = async (body: Uint8Array, query: Record<string, string>): Promise<Answer> => {
      const response = await server.app.request(`/api/import?${new URLSearchParams(query)}`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/octet-stream" },
        body,
      });
      return { status: response.status, ...((await response.json()) as Omit<Answer, "status">) };
    };
    /** A refused upload: its status, field and message, which is fit for the user; nothing written. */
    const refused = async (body: Uint8Array, query: Record<string, string>, status: number, field: string) => {
      const before = await counts();
      const answer = await upload(body, query);
      expect(answer.status, answer.error?.message).toBe(status);
      expect(answer.error.field).toBe(field);
      expectForUser(answer.error.message);
      expect(await counts()).toEqual(before);
      return answer.error.message;
    };
    const file = (path: string) => readFile(join(CRM, path)).then((b) => new Uint8Array(b));

    it("refuses a zip bomb (200 MiB of zeros in 200 KiB) with a 400 naming the zip, without unpacking it", async () => {
      expect(zips.bomb?.length).toBeLessThan(1024 * KiB);
      const message = await refused(zips.bomb as Uint8Array, { filename: "WE_bomb.zip" }, 400, "body");
      expect(message).toMatch(/^WE_bomb\.zip: Opportunity\.csv would unpack 200 MiB from .*a zip bomb/);
      // The same with the format given.
      await refused(zips.bomb as Uint8Array, { filename: "WE_bomb.zip", format: "salesforce" }, 400, "body");
    });

    it("refuses a zip whose file unpacks past the limit with a 413 naming the zip and the file", async () => {
      const answer = await upload(zips.large as Uint8Array, { filename: "WE_large.zip" });
      expect(answer.status, answer.error.message).toBe(413);
      expect(answer.error.code).toBe("payload_too_large");
      expect(answer.error.message).toBe(
        "WE_large.zip: Opportunity.csv unpacks to 600 MiB, over the 500 MiB one file of an import may hold",
      );
    });

    it("names a bad row inside a zip by the zip's name and the entry, and a broken zip by its name", async () => {
      const row = await refused(zips["duplicate-ids"] as Uint8Array, { filename: "WE_export.zip" }, 400, "body");
      expect(row).toMatch(/^WE_export\.zip\/Opportunity\.csv, line \d+/);
      const good = zips.good as Uint8Array;
      const cut = await refused(good.subarray(0, good.length - 40), { filename: "WE_cut.zip" }, 400, "body");
      expect(cut).toMatch(/^WE_cut\.zip: not a readable zip file/);
    });

    it("gives the importers' advice as query parameters", async () => {
      const hubspot = await file("hubspot/hubspot-crm-exports-all-deals-2024-03-20.csv");
      const currency = await refused(hubspot, { format: "hubspot", filename: "deals.csv" }, 400, "body");
      expect(currency).toMatch(/^deals\.csv\b/);
      expect(currency).toContain("currency=EUR");

      const nutshell = await file("bad/nutshell-ambiguous-dates.csv");
      const dates = await refused(
        nutshell,
        { format: "nutshell", filename: "leads.csv", stages: "Qualify,Demo,Proposal,Negotiate" },
        400,
        "body",
      );
      expect(dates).toContain("dateFormat=dmy");
      expect(dates).toContain("dateFormat=mdy");

      const pipedrive = await file("pipedrive/deals-export-comma.csv");
      const stages = await refused(
        pipedrive,
        { filename: "deals.csv", stages: "Qualified, Qualified" },
        400,
        "query.stages",
      );
      expect(stages).toMatch(/^query\.stages: "Qualified" is listed twice/);

      const qualifying = await refused(
        pipedrive,
        { filename: "deals.csv", qualifyingStage: "Not A Stage" },
        400,
        "query.qualifyingStage",
      );
      expect(qualifying).toContain("Not A Stage");

      const lossField = await refused(
        zips.good as Uint8Array,
        { filename: "WE_export.zip", lossReasonField: "No_Such__c" },
        400,
        "body",
      );
      expect(lossField).toContain("lossReasonField");
    });

    it("calls a file it cannot place the upload when no filename is given, and a format it cannot tell by its parameter", async () => {
      const hubspot = await file("hubspot/hubspot-crm-exports-all-deals-2024-03-20.csv");
      const unnamed = await refused(hubspot, { format: "hubspot" }, 400, "body");
      expect(unnamed).toMatch(/^the upload\b/);
      const notes = new TextEncoder().encode("just some notes\nnothing like an export\n");
      const unknown = await refused(notes, { filename: "notes.txt" }, 400, "query.format");
      expect(unknown).toMatch(
        /^cannot tell the format of notes\.txt from its name and header; give format=salesforce\|/,
      );
      expect(unknown).toContain("`verity import` and a mapping file");
    });

    it("names an upload detection cannot decode (UTF-16 without a byte order mark) by its filename", async () => {
      const text = "uuid,email,name,attributes,status,created_at,updated_at\n";
      const utf16 = new Uint8Array(Buffer.from(text, "utf16le"));
      const message = await refused(utf16, { filename: "subscribers.csv" }, 400, "body");
      expect(message).toMatch(/^subscribers\.csv, line 1: the file looks like UTF-16 without a byte order mark/);
    });

    it("still imports a good export zip, and its notes speak of query parameters", async () => {
      const zip = await upload(zips.good as Uint8Array, { filename: "WE_export.zip" });
      expect(zip.status, zip.error?.message).toBe(200);
      expect((await counts()).leads).toBeGreaterThan(0);
      const pipedrive = await server.app.request("/api/import?filename=deals.csv", {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/octet-stream" },
        body: await file("pipedrive/deals-export-comma.csv"),
      });
      expect(pipedrive.status).toBe(200);
      const { notes } = (await pipedrive.json()) as { notes: string[] };
      const stageNote = notes.find((note) => note.includes("stages"));
      expect(stageNote, notes.join("\n")).toContain("the stages parameter");
      for (const note of notes) expectForUser(note);
    });
  });
}
