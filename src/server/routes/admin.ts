/**
 * Signing in and out, who am I, changing one's password, and the admin routes: API keys,
 * sites, users of the caller's own workspace. An id of another workspace's key, site or user
 * is answered exactly as an id that does not exist. Nobody gets more through these routes
 * than they have: a key or session mints keys, rotates keys, adds users and takes over
 * accounts only within its own scopes, and an open server (--no-auth) changes none of them
 * (the CLI on the machine does).
 */
import type { Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { z } from "zod";
import { type Principal, ROLE_SCOPES, ROLES, type Role, SCOPES, type Scope } from "../../accounts/access.js";
import { createKey, keyById, listKeys, revokeKey, rotateKey } from "../../accounts/keys.js";
import { hashPassword } from "../../accounts/secrets.js";
import { createSite, listSites, normalizeDomain, revokeSite } from "../../accounts/sites.js";
import {
  addUser,
  authenticateUser,
  findUser,
  listUsers,
  MIN_PASSWORD_LENGTH,
  normalizeEmail,
  passwordMatches,
  setPasswordHash,
  setUserDisabled,
  type User,
} from "../../accounts/users.js";
import type { Api } from "../api.js";
import { createSession, deleteSession, SESSION_COOKIE, SESSION_SECONDS, type SessionFound } from "../auth/sessions.js";
import { storableText } from "../collect/storable-text.js";
import { clientIp, forwardedValue, rateLimitAddress, type ServerContext } from "../context.js";
import { ApiError, notFound } from "../errors.js";
import type { SiteCache } from "./tracking.js";

/**
 * Text these routes look up or store: PostgreSQL refuses a NUL in a bound value, so one in a
 * sign-in's email (anyone may send it) or a key's name answered 500. Refused here, by name.
 */
const Login = z
  .object({
    email: storableText(320).min(3),
    password: z.string().min(1).max(1000),
    workspace: storableText(63)
      .optional()
      .describe("Needed only when the email is a user's in more workspaces than a sign-in tries (4)"),
  })
  .strict();

const NewPassword = z.string().min(MIN_PASSWORD_LENGTH).max(1000);

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
  disabled: z.boolean(),
});

const IdParam = z.object({ id: storableText(100) });

/** Secure cookies when the request came over HTTPS (directly or through a proxy you trust). */
function isHttps(c: Context, ctx: ServerContext): boolean {
  if (new URL(c.req.url).protocol === "https:") return true;
  return forwardedValue(c, ctx.trustProxy, "x-forwarded-proto") === "https";
}

/** Refuses to hand out (a key, a user, an account) more than the caller has. */
function requireScopes(principal: Principal, scopes: readonly Scope[], what: string): void {
  const missing = scopes.filter((scope) => !principal.scopes.has(scope));
  if (missing.length > 0) {
    throw new ApiError(403, "forbidden", `${what} would have ${missing.join(", ")}, which your key or role does not`);
  }
}

const shownUser = ({ workspace: _, ...user }: User) => user;

/** Signing in checks passwords; each failure counts against the address and the account. */
function limited(message: string, wait: number): ApiError {
  return new ApiError(429, "rate_limited", message, null, [], { "Retry-After": String(wait) });
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
      responses: {
        200: { description: "Signed in", schema: Me },
        503: { description: "Too many passwords are being checked at once; see Retry-After" },
      },
    },
    async ({ c, body }) => {
      const wait = ctx.limits.login.take(rateLimitAddress(clientIp(c, ctx.trustProxy)));
      if (wait > 0) throw limited("too many sign-in attempts; wait and try again", wait);
      const { email, password, workspace } = body as z.infer<typeof Login>;
      // Per account as well: addresses are cheap to come by. Any email typed has a bucket,
      // a user's or not, so the answer tells nothing about who is a user. The token is taken
      // before the password is checked, so attempts in flight at once count too, and given
      // back when the password was right: only failures use the account's budget.
      const account = normalizeEmail(email);
      const accountWait = ctx.limits.loginAccount.take(account);
      if (accountWait > 0) throw limited("too many failed sign-ins for this account; wait and try again", accountWait);
      let user: User | null;
      try {
        user = await authenticateUser(ctx.store, email, password, workspace);
      } catch (error) {
        ctx.limits.loginAccount.give(account);
        throw error;
      }
      if (!user) throw new ApiError(401, "unauthenticated", "the email or password is wrong", "body.password");
      ctx.limits.loginAccount.give(account);
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
      summary: "Who the request is signed in as (a session or an API key): workspace, role, scopes",
      access: "principal",
      responses: { 200: { description: "The caller", schema: Me } },
    },
    async ({ principal }) => {
      const user =
        principal.via === "session" && principal.id
          ? await findUser(ctx.store, principal.workspace, principal.id)
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
      method: "post",
      path: "/api/me/password",
      tag: "session",
      summary: "Change your own password (with the current one); your other sessions end",
      access: "session",
      body: z.object({ currentPassword: z.string().min(1).max(1000), newPassword: NewPassword }).strict(),
      bodyLimit: 16 * 1024,
      responses: {
        200: { description: "Changed", schema: z.object({ ok: z.literal(true) }) },
        503: { description: "Too many passwords are being checked at once; see Retry-After" },
      },
    },
    async ({ c, body }) => {
      const input = body as { currentPassword: string; newPassword: string };
      const session = c.get("session" as never) as SessionFound;
      // A session left open on a shared machine must not guess its way to the password:
      // wrong guesses count against the account like failed sign-ins.
      const account = session.user.email;
      const wait = ctx.limits.loginAccount.take(account);
      if (wait > 0) throw limited("too many wrong passwords for this account; wait and try again", wait);
      let right: boolean;
      try {
        right = await passwordMatches(ctx.store, session.user.id, input.currentPassword);
      } catch (error) {
        ctx.limits.loginAccount.give(account);
        throw error;
      }
      if (right) ctx.limits.loginAccount.give(account);
      else throw new ApiError(403, "forbidden", "the current password is wrong", "body.currentPassword");
      const hash = await hashPassword(input.newPassword);
      await ctx.writer.exclusive(() => setPasswordHash(ctx.store, session.user.id, hash, session.tokenHash));
      ctx.logger.info({ user: session.user.id, workspace: session.user.workspace }, "password changed");
      return { ok: true };
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
      summary: "Create an API key with some of your own scopes; its secret is in this answer only",
      access: "admin",
      grants: "verity key add",
      body: z
        .object({
          name: storableText(200).min(1),
          scopes: z.array(z.enum(SCOPES)).min(1),
        })
        .strict(),
      bodyLimit: 16 * 1024,
      responses: { 201: { description: "The key", schema: KeyOut.extend({ secret: z.string() }) } },
    },
    async ({ body, principal }) => {
      const input = body as { name: string; scopes: Scope[] };
      const scopes = [...new Set(input.scopes)];
      requireScopes(principal, scopes, "the key");
      const { key, secret } = await ctx.writer.exclusive(() =>
        createKey(ctx.store, { workspace: principal.workspace, name: input.name, scopes }),
      );
      const { workspace: _, ...shown } = key;
      return { ...shown, secret };
    },
  );

  api.add(
    {
      method: "post",
      path: "/api/keys/{id}/rotate",
      tag: "admin",
      summary: "Give an API key a new secret (in this answer only); the old one stops working at once",
      description: "The key keeps its id, name and scopes. Only a caller with all of the key's scopes may rotate it.",
      access: "admin",
      grants: "verity key rotate",
      everyScope: true,
      params: IdParam,
      responses: {
        200: { description: "The key and its new secret", schema: KeyOut.extend({ secret: z.string() }) },
        404: { description: "No such key" },
      },
    },
    async ({ params, principal }) => {
      const id = params.id ?? "";
      const existing = await keyById(ctx.store, principal.workspace, id);
      if (!existing) throw notFound(`API key "${id}"`);
      const rotated = await ctx.writer.exclusive(() => rotateKey(ctx.store, principal.workspace, id));
      if (!rotated) throw notFound(`API key "${id}"`);
      ctx.logger.info({ key: id, workspace: principal.workspace, by: principal.id }, "API key rotated");
      const { workspace: _, ...shown } = rotated.key;
      return { ...shown, secret: rotated.secret };
    },
  );

  api.add(
    {
      method: "delete",
      path: "/api/keys/{id}",
      tag: "admin",
      summary: "Revoke an API key",
      access: "admin",
      grants: "verity key revoke",
      params: IdParam,
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
      grants: "verity site add",
      body: z
        .object({
          name: storableText(200).min(1),
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
      method: "delete",
      path: "/api/sites/{id}",
      tag: "admin",
      summary: "Revoke a website (by id or public key): its tracking events are refused from then on",
      access: "admin",
      grants: "verity site revoke",
      params: IdParam,
      responses: {
        200: { description: "Revoked", schema: z.object({ revoked: z.string() }) },
        404: { description: "No such site" },
      },
    },
    async ({ params, principal }) => {
      const id = params.id ?? "";
      const done = await ctx.writer.exclusive(() => revokeSite(ctx.store, principal.workspace, id));
      if (!done) throw notFound(`site "${id}"`);
      sites.forget();
      return { revoked: id };
    },
  );

  api.add(
    {
      method: "get",
      path: "/api/users",
      tag: "admin",
      summary: "The workspace's dashboard users, disabled ones included",
      access: "admin",
      responses: { 200: { description: "Users", schema: z.object({ users: z.array(UserOut) }) } },
    },
    async ({ principal }) => ({ users: (await listUsers(ctx.store, principal.workspace)).map(shownUser) }),
  );

  api.add(
    {
      method: "post",
      path: "/api/users",
      tag: "admin",
      summary: "Add a dashboard user to the workspace",
      access: "admin",
      grants: "verity user add",
      everyScope: true,
      body: z
        .object({
          email: z.email().max(320),
          name: storableText(200).optional(),
          role: z.enum(ROLES),
          password: NewPassword,
        })
        .strict(),
      bodyLimit: 16 * 1024,
      responses: {
        201: { description: "The user", schema: UserOut },
        409: { description: "The workspace has a user with this email" },
      },
    },
    async ({ body, principal }) => {
      const input = body as { email: string; name?: string; role: Role; password: string };
      try {
        // Hashed first: a hash may wait its turn behind sign-ins, and the writer must not wait with it.
        const hash = await hashPassword(input.password);
        const user = await ctx.writer.exclusive(() =>
          addUser(ctx.store, { ...input, workspace: principal.workspace }, hash),
        );
        return shownUser(user);
      } catch (error) {
        // The body's schema has checked the email, role and password; what addUser can still
        // refuse is an email this workspace has (another workspace's emails are not looked
        // at). Anything else is the server's failure (a 500, logged).
        const message = (error as Error).message;
        if (/exists already/.test(message)) throw new ApiError(409, "conflict", message, "body.email");
        throw error;
      }
    },
  );

  /** A user of the caller's workspace, or a 404 (another workspace's id included). */
  const userOf = async (principal: Principal, id: string): Promise<User> => {
    const user = await findUser(ctx.store, principal.workspace, id);
    if (!user) throw notFound(`user "${id}"`);
    return user;
  };

  for (const [action, disabled] of [
    ["disable", true],
    ["enable", false],
  ] as const) {
    api.add(
      {
        method: "post",
        path: `/api/users/{id}/${action}`,
        tag: "admin",
        summary: disabled
          ? "Disable a user (by id or email): they cannot sign in, and their sessions end now"
          : "Enable a disabled user again",
        access: "admin",
        grants: `verity user ${action}`,
        ...(disabled ? {} : { everyScope: true as const }),
        params: IdParam,
        responses: {
          200: { description: disabled ? "Disabled" : "Enabled", schema: UserOut },
          404: { description: "No such user" },
          409: { description: "Disabling yourself" },
        },
      },
      async ({ params, principal }) => {
        const user = await userOf(principal, params.id ?? "");
        // Locking oneself out (perhaps the last admin) is the CLI's to do, deliberately.
        if (disabled && principal.via === "session" && principal.id === user.id) {
          throw new ApiError(409, "conflict", "you cannot disable yourself; another admin or the CLI can");
        }
        await ctx.writer.exclusive(() => setUserDisabled(ctx.store, user.id, disabled));
        ctx.logger.info({ user: user.id, workspace: user.workspace, by: principal.id }, `user ${action}d`);
        return { ...shownUser(user), disabled };
      },
    );
  }

  api.add(
    {
      method: "post",
      path: "/api/users/{id}/password",
      tag: "admin",
      summary: "Set another user's password (by id or email); their sessions end",
      description: "Your own password is changed with POST /api/me/password, which asks for the current one.",
      access: "admin",
      grants: "verity user password",
      everyScope: true,
      params: IdParam,
      body: z.object({ password: NewPassword }).strict(),
      bodyLimit: 16 * 1024,
      responses: {
        200: { description: "Set", schema: z.object({ ok: z.literal(true) }) },
        404: { description: "No such user" },
        409: { description: "Your own account (use POST /api/me/password)" },
      },
    },
    async ({ params, body, principal }) => {
      const user = await userOf(principal, params.id ?? "");
      if (principal.via === "session" && principal.id === user.id) {
        throw new ApiError(
          409,
          "conflict",
          "change your own password with POST /api/me/password (it asks for the current one)",
        );
      }
      const hash = await hashPassword((body as { password: string }).password);
      await ctx.writer.exclusive(() => setPasswordHash(ctx.store, user.id, hash));
      ctx.logger.info({ user: user.id, workspace: user.workspace, by: principal.id }, "password set by an admin");
      return { ok: true };
    },
  );
}
