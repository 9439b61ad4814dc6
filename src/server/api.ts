/**
 * Routes declared once: each route's zod schemas validate its query, path and body, and the
 * same declarations produce the OpenAPI 3.1 document at /api/openapi.json, so the document
 * cannot drift from what the server accepts. The wrapper also checks who is asking (every
 * route names the access it needs) before the handler runs.
 */
import type { Context, Hono, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { z } from "zod";
import { type Principal, SCOPES, type Scope } from "../accounts/access.js";
import { ApiError, validationError } from "./errors.js";

/**
 * Who may call a route: anyone, a site's public key (checked by the route), any caller who
 * proved who they are ("principal": a key, a session, or anyone on an open server), a signed-in
 * user's session only ("session"), or a principal with this scope.
 */
export type Access = "public" | "site" | "principal" | "session" | Scope;

export type BodyKind = "json" | "binary";

export type RouteSpec = {
  method: "get" | "post" | "delete";
  /** OpenAPI style: /api/metrics/{id}. */
  path: string;
  tag: string;
  summary: string;
  description?: string;
  access: Access;
  /**
   * The route changes who has access to the workspace (users, keys, sites): an open server
   * (--no-auth) refuses it to its anonymous admin and names this CLI command instead, so a
   * page that slips past the open server's guards still cannot leave access behind.
   */
  grants?: string;
  /**
   * Only a caller with every scope (the admin role, or a key with all of them) may call it:
   * the route can hand out any scope (adding a user, setting their password, a key's new
   * secret), so a partial admin would get more than it has.
   */
  everyScope?: true;
  query?: z.ZodType;
  params?: z.ZodType;
  body?: z.ZodType;
  bodyKind?: BodyKind;
  /** Largest body accepted, in bytes. */
  bodyLimit?: number;
  /**
   * The route streams its body and counts it itself (uploads): a chunked body is not held in
   * memory to be counted first.
   */
  streamsBody?: boolean;
  responses: Record<number, ResponseSpec>;
};

/**
 * One response: JSON by `schema` (application/json), or text of the media type `text` names,
 * which the handler writes itself, with that Content-Type, and returns as a Response
 * (GET /api/stalled.csv: `text: "text/csv"`). The document says which.
 */
export type ResponseSpec = { description: string; schema?: z.ZodType; text?: `text/${string}` };

export type RouteInput = {
  c: Context;
  query: Record<string, unknown>;
  params: Record<string, string>;
  body: unknown;
  principal: Principal;
};

export type Authenticator = (c: Context, spec: RouteSpec) => Promise<Principal | null>;

const ANONYMOUS: Principal = { workspace: "", scopes: new Set(), via: "open", id: null, role: null };

export class Api {
  readonly routes: RouteSpec[] = [];

  constructor(
    private readonly app: Hono,
    private readonly authenticate: Authenticator,
  ) {}

  add(spec: RouteSpec, handler: (input: RouteInput) => Promise<unknown>): void {
    this.routes.push(spec);
    const honoPath = spec.path.replace(/\{(\w+)\}/g, ":$1");
    const limit: MiddlewareHandler[] = spec.bodyLimit ? [sizeLimit(spec.bodyLimit, spec.streamsBody ?? false)] : [];
    this.app.on([spec.method.toUpperCase()], [honoPath], ...limit, async (c: Context) => {
      let principal = ANONYMOUS;
      if (spec.access !== "public" && spec.access !== "site") {
        const found = await this.authenticate(c, spec);
        if (!found) {
          throw new ApiError(
            401,
            "unauthenticated",
            "sign in, or send an API key as `Authorization: Bearer vk_...`",
            "header.authorization",
          );
        }
        if (spec.access === "session" && found.via !== "session") {
          throw new ApiError(403, "forbidden", "this needs a signed-in user (a session), not an API key");
        }
        if (spec.access !== "session" && spec.access !== "principal" && !found.scopes.has(spec.access)) {
          throw new ApiError(
            403,
            "forbidden",
            `this needs the ${spec.access} scope, which your key or role does not have`,
          );
        }
        if (spec.everyScope && SCOPES.some((scope) => !found.scopes.has(scope))) {
          throw new ApiError(
            403,
            "forbidden",
            `this needs every scope (${SCOPES.join(", ")}): it can hand out any of them, and your key or role does not have them all`,
          );
        }
        if (spec.grants && found.via === "open") {
          throw new ApiError(
            403,
            "forbidden",
            `a server without sign-in (--no-auth) grants no access through its API: run \`${spec.grants}\` on this machine, or serve with authentication and sign in`,
          );
        }
        principal = found;
      }
      const query = spec.query ? parse(spec.query, c.req.query(), "query") : {};
      const params = spec.params
        ? parse(spec.params, c.req.param(), "path")
        : (c.req.param() as Record<string, string>);
      let body: unknown;
      if (spec.body && (spec.bodyKind ?? "json") === "json") {
        const text = await c.req.text();
        // No body at all is said as such; a body must then be JSON by its type too.
        if (text.trim() !== "") requireJson(c);
        body = parse(spec.body, parseJsonBody(text), "body");
      }
      const result = await handler({
        c,
        query: query as Record<string, unknown>,
        params: params as Record<string, string>,
        body,
        principal,
      });
      if (result instanceof Response) return result;
      const status = Number(Object.keys(spec.responses)[0] ?? 200);
      return c.json(result, status as 200);
    });
  }

  /** The OpenAPI 3.1 document of every route added. */
  openapi(info: { title: string; version: string; description: string }): object {
    const paths: Record<string, Record<string, unknown>> = {};
    // Response schemas named with `.meta({ id })` (result-schemas.ts: each metric's result and
    // report, Evidence, Judgement) are written once, in components.schemas, and referenced.
    const named: Record<string, object> = {};
    for (const spec of this.routes) {
      const parameters = [...parametersOf(spec.params, "path"), ...parametersOf(spec.query, "query")];
      const operation: Record<string, unknown> = {
        tags: [spec.tag],
        summary: spec.summary,
        ...(describe(spec) ? { description: describe(spec) } : {}),
        operationId: operationId(spec),
        ...(parameters.length > 0 ? { parameters } : {}),
        security: securityOf(spec.access),
        responses: Object.fromEntries([
          ...Object.entries(spec.responses).map(([status, r]) => [
            status,
            { description: r.description, ...contentOf(r, named) },
          ]),
          ...errorResponses(spec),
        ]),
      };
      if (spec.body || spec.bodyKind === "binary") {
        let content: object;
        if (!spec.body) {
          content = {
            "application/octet-stream": { schema: { type: "string", contentMediaType: "application/octet-stream" } },
          };
        } else {
          const schema = jsonSchema(spec.body, "input");
          // A raw body with a schema is JSON the handler reads itself (tracking beacons send it
          // as text/plain to skip the CORS preflight): document the JSON, not "bytes".
          content =
            spec.bodyKind === "binary"
              ? { "application/json": { schema }, "text/plain": { schema } }
              : { "application/json": { schema } };
        }
        operation.requestBody = { required: true, content };
      }
      paths[spec.path] ??= {};
      (paths[spec.path] as Record<string, unknown>)[spec.method] = operation;
    }
    return {
      openapi: "3.1.0",
      info,
      paths,
      components: {
        securitySchemes: {
          apiKey: { type: "http", scheme: "bearer", description: "An API key (vk_...) made with `verity key add`." },
          session: { type: "apiKey", in: "cookie", name: "verity_session", description: "The dashboard's session." },
        },
        schemas: { Error: jsonSchema(ErrorSchema, "output"), ...named },
      },
    };
  }
}

export const ErrorSchema = z.object({
  error: z.object({
    status: z.number().int(),
    code: z.string(),
    message: z.string(),
    field: z.string().optional(),
    issues: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  }),
});

/**
 * The body size limit. A body that states its length (browsers' beacons and fetch do) is judged
 * by its Content-Length, as hono's bodyLimit judges it, but without reading `c.req.raw.body`:
 * on @hono/node-server that builds a full web Request around a web stream of the socket for
 * every request, which more than doubled the CPU time of a tracking request (bench/ingest.ts).
 * A chunked body goes through hono's bodyLimit, which counts the bytes as they arrive.
 */
function sizeLimit(maxSize: number, streams: boolean): MiddlewareHandler {
  const tooLarge = (): never => {
    throw new ApiError(413, "payload_too_large", `the body is over the limit of ${maxSize} bytes`, "body");
  };
  const streamed = bodyLimit({ maxSize, onError: tooLarge });
  return async (c, next) => {
    const length = c.req.header("content-length");
    if (length !== undefined && c.req.header("transfer-encoding") === undefined) {
      if (Number.parseInt(length, 10) > maxSize) tooLarge();
      return next();
    }
    // hono's bodyLimit holds a chunked body in memory to count it: fine for small bodies, not
    // for a 1 GB upload, which counts its own bytes as it writes them to disk.
    return streams ? next() : streamed(c, next);
  };
}

function parse(schema: z.ZodType, value: unknown, where: string): unknown {
  const result = schema.safeParse(value);
  if (!result.success) throw validationError(where, result.error);
  return result.data;
}

/**
 * A JSON route takes `Content-Type: application/json` only. A page on another site can post
 * text/plain or a form without the browser asking first (no CORS preflight), but not JSON:
 * refusing the others is what keeps such simple cross-site posts from driving the API.
 */
function requireJson(c: Context): void {
  const type = c.req.header("content-type")?.split(";")[0]?.trim().toLowerCase() ?? "";
  if (type === "application/json" || /^application\/[a-z0-9.+-]+\+json$/.test(type)) return;
  throw new ApiError(
    415,
    "invalid_request",
    `send the body as JSON with Content-Type: application/json${type ? ` (not ${type})` : ""}`,
    "header.content-type",
  );
}

/** The body as JSON, whatever its content type (POST /api/event's beacons send text/plain). */
export async function readJson(c: Context): Promise<unknown> {
  return parseJsonBody(await c.req.text());
}

/** A request body's JSON, or a 400 saying why it is not. */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === "") throw new ApiError(400, "invalid_request", "the request has no body; send JSON", "body");
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ApiError(400, "invalid_request", `the body is not JSON: ${(error as Error).message}`, "body");
  }
}

function jsonSchema(schema: z.ZodType, io: "input" | "output"): object {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: "any" }) as Record<string, unknown>;
  return rest;
}

/**
 * A response's JSON Schema with its named parts moved to `named` (the document's
 * components.schemas). zod writes them as the schema's own `$defs` and refers to them as
 * `#/$defs/Name`, which inside an OpenAPI document would point at the document's root.
 */
function responseSchema(schema: z.ZodType, named: Record<string, object>): object {
  const { $defs, ...rest } = jsonSchema(schema, "output") as { $defs?: Record<string, object> };
  const toComponents = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(toComponents);
    if (value === null || typeof value !== "object") return value;
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [
        key,
        key === "$ref" && typeof inner === "string"
          ? inner.replace(/^#\/\$defs\//, "#/components/schemas/")
          : toComponents(inner),
      ]),
    );
  };
  for (const [name, def] of Object.entries($defs ?? {})) named[name] ??= toComponents(def) as object;
  return toComponents(rest) as object;
}

/** A response's content in the document: its JSON schema, or text of its media type. */
function contentOf(response: ResponseSpec, named: Record<string, object>): { content?: object } {
  if (response.text) {
    return { content: { [response.text]: { schema: { type: "string", contentMediaType: response.text } } } };
  }
  if (response.schema) return { content: { "application/json": { schema: responseSchema(response.schema, named) } } };
  return {};
}

function parametersOf(schema: z.ZodType | undefined, where: "query" | "path"): object[] {
  if (!schema) return [];
  const json = jsonSchema(schema, "input") as {
    properties?: Record<string, object & { description?: string }>;
    required?: string[];
  };
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    in: where,
    required: where === "path" || (json.required ?? []).includes(name),
    ...(property.description ? { description: property.description } : {}),
    schema: property,
  }));
}

/** The route's description, with what its access declaration means beyond the security schemes. */
function describe(spec: RouteSpec): string | undefined {
  const notes = [
    spec.description,
    spec.everyScope
      ? `Needs every scope (${SCOPES.join(", ")}): the admin role, or a key with all of them.`
      : undefined,
    spec.grants ? `A server without sign-in (--no-auth) refuses it: use \`${spec.grants}\`.` : undefined,
  ].filter((note) => note !== undefined);
  return notes.length > 0 ? notes.join(" ") : undefined;
}

function securityOf(access: Access): object[] {
  if (access === "public" || access === "site") return [];
  if (access === "session") return [{ session: [] }];
  // "principal" and the scopes: a key or a session (a scope's key, or a role that has it).
  return [{ apiKey: [] }, { session: [] }];
}

function errorResponses(spec: RouteSpec): [string, object][] {
  const error = (description: string): object => ({
    description,
    content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
  });
  const out: [string, object][] = [];
  const json = spec.body !== undefined && (spec.bodyKind ?? "json") === "json";
  const known = new Set(Object.keys(spec.responses));
  const add = (status: string, description: string) => {
    if (!known.has(status) && !out.some(([s]) => s === status)) out.push([status, error(description)]);
  };
  if (spec.query || spec.body || spec.params) add("400", "A parameter or body field is not valid (`field` names it).");
  if (spec.access !== "public" && spec.access !== "site") {
    add("401", "No valid API key or session.");
    add(
      "403",
      spec.access === "session"
        ? "Not a signed-in user's session (an API key, or an open server)."
        : "The key or role lacks the scope, or (open server) a request from another site or Host.",
    );
    add("429", "Too many requests with this key or session; see Retry-After.");
  }
  if (spec.access === "site") add("403", "Unknown site key, or an origin not among the site's domains.");
  if (spec.bodyLimit) add("413", `The body is over ${spec.bodyLimit} bytes.`);
  if (json) add("415", "The body is not sent as application/json.");
  if (spec.access === "site" || spec.path === "/api/login") add("429", "Too many requests; see Retry-After.");
  return out;
}

function operationId(spec: RouteSpec): string {
  const words = `${spec.method} ${spec.path.replace(/^\/api\//, "")}`
    .replace(/[{}]/g, "")
    .split(/[^A-Za-z0-9]+/)
    .filter((w) => w.length > 0);
  return words.map((w, i) => (i === 0 ? w : w[0]?.toUpperCase() + w.slice(1))).join("");
}
