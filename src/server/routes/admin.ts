/**
 * Signing in and out, who am I, and the admin routes: API keys, sites, users of the
 * caller's own workspace. An id of another workspace's key or site is answered exactly as
 * an id that does not exist.
 */
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { z } from "zod";
import type { Api } from "../api.js";
import { ROLE_SCOPES, ROLES, SCOPES, type Scope } from "../auth/access.js";
import { createKey, listKeys, revokeKey } from "../auth/keys.js";
import { createSession, deleteSession, SESSION_COOKIE, SESSION_SECONDS } from "../auth/sessions.js";
import { createSite, listSites, normalizeDomain } from "../auth/sites.js";
import { addUser, authenticateUser, listUsers, MIN_PASSWORD_LENGTH } from "../auth/users.js";
import { clientIp, type ServerContext } from "../context.js";
import { ApiError, notFound } from "../errors.js";
import type { SiteCache } from "./tracking.js";

const Login = z.object({ email: z.string().min(3).max(320), password: z.string().min(1).max(1000) }).strict();

const Me = z.object({
  workspace: z.string(),
  via: z.enum(["key", "session", "open"]),
  role: z.enum(ROLES).nullable(),
  scopes: z.array(z.enum(SCOPES)),
  user: z.object({ id: z.string(), email: z.string(), name: z.string().nullable() }).nullable(),
});

const KeyOut = z.object({ id: z.string(), name: z.string(), scopes: z.array(z.enum(SCOPES)), createdAt: z.string() });
const SiteOut = z.object({
  id: z.string(),
  publicKey: z.string(),
  name: z.string(),
  domains: z.array(z.string()),
  respectPrivacySignals: z.boolean(),
  createdAt: z.string(),
});
const UserOut = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string().nullable(),
  role: z.enum(ROLES),
  createdAt: z.string(),
});

/** Secure cookies when the request came over HTTPS (directly or through a proxy you trust). */
function isHttps(c: Context, ctx: ServerContext): boolean {
  if (new URL(c.req.url).protocol === "https:") return true;
  return ctx.trustProxy && c.req.header("x-forwarded-proto") === "https";
}

export function registerAdminRoutes(api: Api, ctx: ServerContext, sites: SiteCache): void {
  api.add(
    {
      method: "post",
      path: "/api/login",
      tag: "session",
      summary: "Sign in with email and password; sets the httpOnly session cookie",
      access: "public",
      body: Login,
      bodyLimit: 16 * 1024,
      responses: { 200: { description: "Signed in", schema: Me } },
    },
    async ({ c, body }) => {
      const wait = ctx.limits.login.take(clientIp(c, ctx.trustProxy));
      if (wait > 0) {
        throw new ApiError(429, "rate_limited", "too many sign-in attempts; wait and try again", null, [], {
          "Retry-After": String(wait),
        });
      }
      const { email, password } = body as z.infer<typeof Login>;
      const user = await authenticateUser(ctx.store, email, password);
      if (!user) throw new ApiError(401, "unauthenticated", "the email or password is wrong", "body.password");
      const session = await ctx.writer.exclusive(() => createSession(ctx.store, user));
      setCookie(c, SESSION_COOKIE, session.token, {
        httpOnly: true,
        sameSite: "Lax",
        secure: isHttps(c, ctx),
        path: "/",
        maxAge: SESSION_SECONDS,
      });
      ctx.logger.info({ user: user.id, workspace: user.workspace }, "signed in");
      return {
        workspace: user.workspace,
        via: "session",
        role: user.role,
        scopes: [...ROLE_SCOPES[user.role]],
        user: { id: user.id, email: user.email, name: user.name },
      };
    },
  );

  api.add(
    {
      method: "post",
      path: "/api/logout",
      tag: "session",
      summary: "Sign out (ends the session)",
      access: "session",
      responses: { 200: { description: "Signed out", schema: z.object({ ok: z.literal(true) }) } },
    },
    async ({ c }) => {
      const token = getCookie(c, SESSION_COOKIE);
      if (token) await ctx.writer.exclusive(() => deleteSession(ctx.store, token));
      deleteCookie(c, SESSION_COOKIE, { path: "/" });
      return { ok: true };
    },
  );

  api.add(
    {
      method: "get",
      path: "/api/me",
      tag: "session",
      summary: "Who the request is signed in as: workspace, role, scopes",
      access: "session",
      responses: { 200: { description: "The caller", schema: Me } },
    },
    async ({ principal }) => {
      const user =
        principal.via === "session" && principal.id
          ? ((await listUsers(ctx.store, principal.workspace)).find((u) => u.id === principal.id) ?? null)
          : null;
      return {
        workspace: principal.workspace,
        via: principal.via,
        role: principal.role,
        scopes: [...principal.scopes],
        user: user ? { id: user.id, email: user.email, name: user.name } : null,
      };
    },
  );

  api.add(
    {
      method: "get",
      path: "/api/keys",
      tag: "admin",
      summary: "The workspace's API keys (never their secrets)",
      access: "admin",
      responses: { 200: { description: "Keys", schema: z.object({ keys: z.array(KeyOut) }) } },
    },
    async ({ principal }) => ({
      keys: (await listKeys(ctx.store, principal.workspace)).map(({ workspace: _, ...key }) => key),
    }),
  );

  api.add(
    {
      method: "post",
      path: "/api/keys",
      tag: "admin",
      summary: "Create an API key; its secret is in this answer only",
      access: "admin",
      body: z
        .object({
          name: z.string().min(1).max(200),
          scopes: z.array(z.enum(SCOPES)).min(1),
        })
        .strict(),
      bodyLimit: 16 * 1024,
      responses: { 201: { description: "The key", schema: KeyOut.extend({ secret: z.string() }) } },
    },
    async ({ body, principal }) => {
      const input = body as { name: string; scopes: Scope[] };
      const { key, secret } = await ctx.writer.exclusive(() =>
        createKey(ctx.store, { workspace: principal.workspace, name: input.name, scopes: [...new Set(input.scopes)] }),
      );
      const { workspace: _, ...shown } = key;
      return { ...shown, secret };
    },
  );

  api.add(
    {
      method: "delete",
      path: "/api/keys/{id}",
      tag: "admin",
      summary: "Revoke an API key",
      access: "admin",
      params: z.object({ id: z.string().max(100) }),
      responses: {
        200: { description: "Revoked", schema: z.object({ revoked: z.string() }) },
        404: { description: "No such key" },
      },
    },
    async ({ params, principal }) => {
      const id = params.id ?? "";
      const done = await ctx.writer.exclusive(() => revokeKey(ctx.store, principal.workspace, id));
      if (!done) throw notFound(`API key "${id}"`);
      return { revoked: id };
    },
  );

  api.add(
    {
      method: "get",
      path: "/api/sites",
      tag: "admin",
      summary: "The websites that send tracking events, with their public keys",
      access: "admin",
      responses: { 200: { description: "Sites", schema: z.object({ sites: z.array(SiteOut) }) } },
    },
    async ({ principal }) => ({
      sites: (await listSites(ctx.store, principal.workspace)).map(({ workspace: _, ...site }) => site),
    }),
  );

  api.add(
    {
      method: "post",
      path: "/api/sites",
      tag: "admin",
      summary: "Add a website; answers its public key for the script tag",
      access: "admin",
      body: z
        .object({
          name: z.string().min(1).max(200),
          domains: z.array(z.string().min(1).max(300)).min(1).max(50),
          respectPrivacySignals: z.boolean().default(false),
        })
        .strict(),
      bodyLimit: 16 * 1024,
      responses: { 201: { description: "The site", schema: SiteOut } },
    },
    async ({ body, principal }) => {
      const input = body as { name: string; domains: string[]; respectPrivacySignals: boolean };
      // Each domain checked here, to name the one that is wrong; anything createSite throws
      // after that is the server's failure, not a 400 showing the user a database message.
      input.domains.forEach((domain, i) => {
        try {
          normalizeDomain(domain);
        } catch (error) {
          throw new ApiError(400, "invalid_request", (error as Error).message, `body.domains[${i}]`);
        }
      });
      const site = await ctx.writer.exclusive(() => createSite(ctx.store, principal.workspace, input));
      sites.forget();
      const { workspace: _, ...shown } = site;
      return shown;
    },
  );

  api.add(
    {
      method: "get",
      path: "/api/users",
      tag: "admin",
      summary: "The workspace's dashboard users",
      access: "admin",
      responses: { 200: { description: "Users", schema: z.object({ users: z.array(UserOut) }) } },
    },
    async ({ principal }) => ({
      users: (await listUsers(ctx.store, principal.workspace)).map(({ workspace: _, ...user }) => user),
    }),
  );

  api.add(
    {
      method: "post",
      path: "/api/users",
      tag: "admin",
      summary: "Add a dashboard user to the workspace",
      access: "admin",
      body: z
        .object({
          email: z.email().max(320),
          name: z.string().max(200).optional(),
          role: z.enum(ROLES),
          password: z.string().min(MIN_PASSWORD_LENGTH).max(1000),
        })
        .strict(),
      bodyLimit: 16 * 1024,
      responses: { 201: { description: "The user", schema: UserOut }, 409: { description: "The email is taken" } },
    },
    async ({ body, principal }) => {
      const input = body as { email: string; name?: string; role: string; password: string };
      try {
        const user = await ctx.writer.exclusive(() => addUser(ctx.store, { ...input, workspace: principal.workspace }));
        const { workspace: _, ...shown } = user;
        return shown;
      } catch (error) {
        // The body's schema has checked the email, role and password; what addUser can still
        // refuse is a taken email. Anything else is the server's failure (a 500, logged).
        const message = (error as Error).message;
        if (/exists already/.test(message)) throw new ApiError(409, "conflict", message, "body.email");
        throw error;
      }
    },
  );
}
