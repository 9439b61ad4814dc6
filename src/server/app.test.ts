/**
 * The app as a whole (app.ts) through `app.request()` (no socket), on every engine: the OpenAPI
 * document, health, the tracking script, and the one error shape for unknown routes and bodies
 * that are not JSON.
 * Each route's own tests are beside it in routes/*.test.ts; which file exercises which
 * documented route is ROUTE_TESTS in test/support/api-workspaces.ts, checked here.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  expectRoutesExercised,
  type Keyed,
  type OpenApi,
  type Operation,
  ROUTE_TESTS,
  startKeyedServer,
} from "../../test/support/api-workspaces.js";
import { type Engine, engines } from "../../test/support/databases.js";
import { documentedRoutes, EngineAnswers, expectError, type TestServer } from "../../test/support/server-harness.js";
import { METRICS } from "../metrics/registry.js";

const ENGINES = engines();
const answers = new EngineAnswers();
const keep = (engine: Engine, name: string, value: unknown) => answers.keep(engine, name, value);

describe.each(ENGINES)("the app on %s", (engine) => {
  let t: TestServer;
  let A: Keyed;
  let doc: OpenApi;

  beforeAll(async () => {
    ({ t, A } = await startKeyedServer(engine, { data: false }));
  }, 120_000);
  afterAll(async () => {
    await t?.close();
  });

  describe("the OpenAPI document", () => {
    test("is OpenAPI 3.1 with responses, schemas and unique operation ids for every route", async () => {
      const res = await t.request("/api/openapi.json");
      expect(res.status).toBe(200);
      doc = res.body as OpenApi;
      keep(engine, "openapi", doc);
      expect(doc.openapi).toBe("3.1.0");
      expect(doc.info.title).toBe("Verity");
      expect(doc.components.schemas.Error?.properties?.error).toBeDefined();
      const ids: string[] = [];
      let operations = 0;
      for (const [path, methods] of Object.entries(doc.paths)) {
        for (const [method, op] of Object.entries(methods)) {
          operations += 1;
          const where = `${method} ${path}`;
          expect(["get", "post", "delete"], where).toContain(method);
          expect(typeof op.operationId, where).toBe("string");
          ids.push(op.operationId);
          expect(Object.keys(op.responses).length, where).toBeGreaterThan(0);
          for (const [status, response] of Object.entries(op.responses)) {
            expect(status, where).toMatch(/^[1-5]\d\d$/);
            expect(typeof response.description, `${where} ${status}`).toBe("string");
            for (const media of Object.values(response.content ?? {})) {
              expect(typeof media.schema, `${where} ${status}`).toBe("object");
            }
          }
          const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
          const params = op.parameters ?? [];
          for (const name of inPath) {
            expect(
              params.find((p) => p.in === "path" && p.name === name && p.required === true),
              where,
            ).toBeDefined();
          }
          for (const p of params) {
            expect(["path", "query"], where).toContain(p.in);
            expect(typeof p.schema, `${where} ${p.name}`).toBe("object");
            expect(Object.keys(p.schema ?? {}).length, `${where} ${p.name}`).toBeGreaterThan(0);
          }
          if (op.requestBody) {
            const media = Object.entries(op.requestBody.content);
            expect(media.length, where).toBeGreaterThan(0);
            for (const [type, m] of media) {
              expect(typeof m.schema, `${where} ${type}`).toBe("object");
              if (type === "application/json") expect(m.schema?.type, `${where} ${type}`).toBe("object");
            }
          }
          // A route that needs a key or session says so, and documents 401/403.
          if (op.security.length > 0) {
            expect(op.responses["401"], where).toBeDefined();
            expect(op.responses["403"], where).toBeDefined();
          }
        }
      }
      expect(operations).toBeGreaterThanOrEqual(20);
      expect(new Set(ids).size).toBe(ids.length);
    });

    test("documents what the routes validate: query parameters, JSON bodies, the tracking wire format", () => {
      const op = (path: string, method: string) => doc.paths[path]?.[method] as Operation;
      const names = (op("/api/metrics/{id}", "get").parameters ?? []).map((p) => `${p.in}:${p.name}`);
      for (const name of ["path:id", "query:period", "query:pipeline", "query:rep", "query:k", "query:grain"]) {
        expect(names).toContain(name);
      }
      const push = op("/api/data", "post").requestBody?.content["application/json"]?.schema;
      expect(Object.keys(push?.properties ?? {})).toEqual(
        expect.arrayContaining(["leads", "stage_events", "activities"]),
      );
      expect(push?.additionalProperties).toBe(false);
      const upload = op("/api/import", "post").requestBody?.content ?? {};
      expect(Object.keys(upload)).toEqual(["application/octet-stream"]);
      // The script sends JSON as text/plain; the document must say what that JSON is, not "bytes".
      const event = op("/api/event", "post").requestBody?.content ?? {};
      for (const type of ["application/json", "text/plain"]) {
        expect(Object.keys(event[type]?.schema?.properties ?? {}), type).toEqual(["site", "events"]);
      }
      expect(op("/api/event", "post").security).toEqual([]);
      expect(op("/api/login", "post").responses["429"]).toBeDefined();
    });

    test("says which answers are not JSON: the stalled list's CSV is text/csv, and only it", () => {
      const notJson = Object.entries(doc.paths).flatMap(([path, methods]) =>
        Object.entries(methods).flatMap(([method, op]) =>
          Object.entries(op.responses).flatMap(([status, response]) =>
            Object.keys(response.content ?? {})
              .filter((type) => type !== "application/json")
              .map((type) => `${method.toUpperCase()} ${path} ${status} ${type}`),
          ),
        ),
      );
      expect(notJson).toEqual(["GET /api/stalled.csv 200 text/csv"]);
      const csv = doc.paths["/api/stalled.csv"]?.get?.responses["200"]?.content ?? {};
      expect(csv).toEqual({ "text/csv": { schema: { type: "string", contentMediaType: "text/csv" } } });
      // Its errors are JSON, as every route's.
      expect(Object.keys(doc.paths["/api/stalled.csv"]?.get?.responses["400"]?.content ?? {})).toEqual([
        "application/json",
      ]);
    });

    test("describes what the reading routes answer field by field: each metric's result, the check, the doctor", () => {
      type Json = { $ref?: string; const?: string; type?: unknown; required?: string[]; oneOf?: Json[] } & {
        properties?: Record<string, Json>;
        items?: Json;
      };
      const schemas = doc.components.schemas as Record<string, Json>;
      const named = (ref: string | undefined) => schemas[ref?.replace("#/components/schemas/", "") ?? ""];
      const answer = (path: string) =>
        doc.paths[path]?.get?.responses["200"]?.content?.["application/json"]?.schema as Json | undefined;
      // Every reference resolves to a schema of the document.
      const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"([^"]+)"/g)].map((m) => m[1]);
      expect(refs.length).toBeGreaterThan(50);
      for (const ref of refs) expect(named(ref), ref).toBeDefined();
      // GET /api/metrics/{id}: one report per metric of the registry, told apart by `metric`.
      const reports = (answer("/api/metrics/{id}")?.oneOf ?? []).map((r) => named(r.$ref));
      expect(reports.map((r) => r?.properties?.metric?.const)).toEqual(METRICS.map((m) => m.id));
      const funnel = reports.find((r) => r?.properties?.metric?.const === "funnel");
      expect(funnel?.properties?.result).toEqual({ $ref: "#/components/schemas/FunnelResult" });
      // The funnel's result names the funnel's own fields (results/funnel.ts), down to a stage's.
      const result = named(funnel?.properties?.result?.$ref);
      expect(Object.keys(result?.properties ?? {})).toEqual(
        expect.arrayContaining(["winRate", "cohort", "conversionIncludingOpen", "pipelines", "reps", "flags"]),
      );
      expect(result?.properties?.winRate?.type).toEqual(["number", "null"]);
      expect(result?.required).toContain("winRate");
      const stage = result?.properties?.pipelines?.items?.properties?.stages?.items;
      expect(Object.keys(stage?.properties ?? {})).toEqual(
        expect.arrayContaining(["stageName", "reached", "advanced", "lostAt", "conversion", "interval"]),
      );
      // GET /api/report carries the same reports; the check its findings' figures; the doctor its entries.
      expect(answer("/api/report")?.properties?.metrics?.items).toEqual(answer("/api/metrics/{id}"));
      const finding = answer("/api/check")?.properties?.findings?.items;
      expect(finding?.properties?.realFigure).toEqual({ $ref: "#/components/schemas/CheckFigure" });
      expect(Object.keys(named(finding?.properties?.realFigure?.$ref)?.properties ?? {})).toEqual(
        expect.arrayContaining(["value", "previous", "evidence", "judgement", "history"]),
      );
      expect(answer("/api/doctor")?.properties?.metrics?.items).toEqual({ $ref: "#/components/schemas/DoctorEntry" });
    });
  });

  describe("the rest", () => {
    test("GET /api/health answers with the ingest's state", async () => {
      await t.server.drain();
      // The ingest's state is shown to admins only (issue 13).
      const res = await t.request("/api/health", { key: A.keys.admin.secret });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: "ok", version: expect.any(String), engine });
      expect(res.body.ingest.pendingEvents).toBe(0);
      expect(res.body.ingest.deadLetters).toBe(0);
      // The log's sequence numbers move with every workspace's traffic: an open server's only.
      expect(res.body.ingest).not.toHaveProperty("appliedSeq");
      expect(res.body.ingest.lastError).toBeNull();
    });

    test("GET /js/verity.js serves the tracking script", async () => {
      const res = await t.request("/js/verity.js");
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/^application\/javascript/);
      expect(res.text.length).toBeGreaterThan(200);
    });

    test("an unknown route or method is a 404 in the error shape", async () => {
      for (const [method, path] of [
        ["GET", "/api/nothing"],
        ["GET", "/nothing"],
        ["PUT", "/api/keys"],
        ["POST", "/api/metrics"],
      ] as const) {
        const res = await t.request(path, { method, key: A.keys.all.secret });
        expectError(res, 404, "not_found", null);
        expect(res.body.error.message).toContain(path);
      }
    });

    test("a body that is not JSON is a 400 naming the body", async () => {
      const res = await t.request("/api/keys", {
        key: A.keys.admin.secret,
        body: "{not json",
        headers: { "content-type": "application/json" },
      });
      expectError(res, 400, "invalid_request", "body");
      expectError(await t.request("/api/login", { body: "", method: "POST" }), 400, "invalid_request", "body");
    });
  });

  test("every route of the OpenAPI document is exercised by the test beside its module", () => {
    expect(doc).toBeDefined();
    const listed = Object.values(ROUTE_TESTS).flat();
    expect(new Set(listed).size, "a route listed twice").toBe(listed.length);
    expect(
      documentedRoutes(doc)
        .map((r) => r.route)
        .sort(),
    ).toEqual([...listed].sort());
  });

  test("every route of app.ts was exercised", async () => {
    await expectRoutesExercised(t, "app");
  });
});

if (ENGINES.length === 2) {
  describe("DuckDB and PostgreSQL", () => {
    test("give the same answers", () => {
      answers.expectAgreement(1);
    });
  });
}
