/**
 * GET /api/doctor: data health of the caller's workspace, as `verity doctor --format json`
 * (src/insights/doctor.ts): per metric and vanity metric whether the loaded data supports it,
 * what is missing and what fixes it. The dashboard's banner reads it.
 */
import type { Context } from "hono";
import { z } from "zod";
import { doctor } from "../../insights/doctor.js";
import type { Api } from "../api.js";
import type { ServerContext } from "../context.js";
import { CURRENT_TO_HEADER, PENDING_HEADER } from "./metrics.js";

const Status = z.enum(["supported", "partly", "unsupported"]);
const Range = z.object({ start: z.string(), end: z.string() });

const Entry = z.object({
  kind: z.enum(["metric", "vanity"]),
  id: z.string(),
  title: z.string(),
  area: z.enum(["sales", "web", "social", "newsletter"]).describe("the data it reads"),
  status: Status,
  tables: z.array(z.object({ name: z.string(), rows: z.number() })).describe("the tables it reads and their rows"),
  data: Range.nullable().describe("first and last moment of its area's data; null when none is loaded"),
  asOf: z.string().nullable().describe("its 'as of' in the default period"),
  history: z
    .object({ earlierQuarters: z.number(), earlierMonths: z.number(), needed: z.number() })
    .describe("whole quarters and months of its data before the default period; normal variation needs `needed`"),
  missing: z.array(
    z.object({
      need: z.string().describe("a data capability, or leads, followers, history"),
      effect: z.enum(["partly", "unsupported"]),
      message: z.string().describe("what is missing"),
      affects: z.string().describe("which figures it takes away"),
      fix: z.string().describe("the data or `verity import` option that fixes it"),
      sv: z.object({ message: z.string(), fix: z.string() }).describe("message and fix in Swedish"),
      option: z.string().nullable().describe("that option as a POST /api/import parameter (qualifyingStage, ...)"),
      choices: z.array(z.string()).describe("values the option can take here (the stage names)"),
    }),
  ),
});

const DoctorSchema = z.object({
  workspace: z.string(),
  period: z
    .object({ label: z.string(), start: z.string(), end: z.string() })
    .nullable()
    .describe("the default period (the quarter of the latest data); null when nothing is loaded"),
  areas: z.record(z.string(), Range.extend({ earlierQuarters: z.number() }).nullable()),
  tables: z.record(z.string(), z.number()),
  summary: z.object({ supported: z.number(), partly: z.number(), unsupported: z.number() }),
  metrics: z.array(Entry),
  vanity: z.array(Entry),
});

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
      return doctor(ctx.store, principal.workspace);
    },
  );
}

/** As the metric routes: every event acknowledged before the read is in the answer (README, "Server"). */
async function settle(c: Context, ctx: ServerContext, workspace: string): Promise<void> {
  const currency = await ctx.writer.caughtUp(workspace);
  c.header(CURRENT_TO_HEADER, currency.currentTo);
  c.header(PENDING_HEADER, String(currency.pendingEvents));
}
