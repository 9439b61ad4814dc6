/**
 * GET /api/doctor: data health of the caller's workspace, as `verity doctor --format json`
 * (src/insights/doctor.ts): per metric and vanity metric whether the loaded data supports it,
 * what is missing and what fixes it. The dashboard's banner reads it.
 */
import type { Context } from "hono";
import { type DoctorReport, doctor } from "../../insights/doctor.js";
import { cachedReads, rememberByReads } from "../../metrics/read-cache.js";
import type { Store } from "../../store/store.js";
import type { Api } from "../api.js";
import type { ServerContext } from "../context.js";
import { DoctorSchema } from "../result-schemas.js";
import { CURRENT_TO_HEADER, PENDING_HEADER } from "./metrics.js";

export function registerDoctorRoutes(api: Api, ctx: ServerContext): void {
  api.add(
    {
      method: "get",
      path: "/api/doctor",
      tag: "metrics",
      summary: "Data health: which metrics the loaded data supports, what is missing and what fixes it",
      description:
        "The same as `verity doctor --format json`, for the caller's workspace. Each metric and vanity metric is " +
        "supported, partly (some figures, or too few earlier periods for normal variation) or unsupported, with " +
        "what is missing and the data or import option that fixes it.",
      access: "metrics:read",
      responses: { 200: { description: "The data health", schema: DoctorSchema } },
    },
    async ({ c, principal }) => {
      await settle(c, ctx, principal.workspace);
      return doctorOf(ctx.store, principal.workspace);
    },
  );
}

/**
 * The workspace's data health, kept by the data it read as the check's pairs are
 * (src/metrics/read-cache.ts): the home asks it every time, and a tracking batch leaves it in
 * memory unless it read visits.
 */
export async function doctorOf(store: Store, workspace: string): Promise<DoctorReport> {
  const reads = await cachedReads(store, workspace);
  return rememberByReads(reads, JSON.stringify(["doctor", workspace]), (view) => doctor(view, workspace));
}

/** As the metric routes: every event acknowledged before the read is in the answer (README, "Server"). */
async function settle(c: Context, ctx: ServerContext, workspace: string): Promise<void> {
  const currency = await ctx.writer.caughtUp(workspace);
  c.header(CURRENT_TO_HEADER, currency.currentTo);
  c.header(PENDING_HEADER, String(currency.pendingEvents));
}
