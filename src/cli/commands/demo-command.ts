/**
 * `verity demo`: a simulated company (size s) loaded into the default database, so a new
 * user sees Verity's numbers within seconds of `npm ci`.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Command } from "commander";
import { writeContacts } from "../../campaigns/contacts.js";
import { saveSegment } from "../../campaigns/segments.js";
import { runImport } from "../../ingest/importer.js";
import { verityImporter } from "../../ingest/verity-importer.js";
import { TABLE_ORDER } from "../../model/canonical.js";
import { PLANTED_PATTERNS, simulate, simulatedContacts } from "../../simulate/simulate.js";
import { ident, join as joinSql, sql } from "../../store/sql.js";
import type { Store } from "../../store/store.js";
import { describeTarget, type GlobalOptions, targetOf, withStore, workspaceOf } from "../context.js";
import { formatCount, importProgressBar, UserError } from "../output.js";
import { parseInteger } from "./parse.js";
import { serve } from "./server-commands.js";

/** The demo's rows carry their own source system, so a second demo replaces the first. */
export const DEMO_SOURCE = "verity-demo";
const DEMO_CONSENT_SOURCE = "newsletter sign-up (simulated)";

/**
 * Removes an earlier demo company from the workspace; refuses a workspace that holds data
 * of its own, which a demo must never mix with or overwrite.
 */
async function replaceDemo(store: Store, workspace: string): Promise<void> {
  for (const name of TABLE_ORDER) {
    const [own] = await store.query(
      sql`SELECT 1 AS x FROM ${ident(name)} WHERE workspace_id = ${workspace} AND source_system <> ${DEMO_SOURCE} LIMIT 1`,
    );
    if (own) {
      throw new UserError(
        `Workspace "${workspace}" holds imported data; load the demo into a workspace of its own: verity --workspace demo demo`,
      );
    }
  }
  for (const name of [...TABLE_ORDER].reverse()) {
    await store.execute(sql`DELETE FROM ${ident(name)} WHERE workspace_id = ${workspace}`);
  }
}

export function registerDemo(program: Command): void {
  program
    .command("demo")
    .description("load a simulated B2B company (about 2,000 leads over three years) into the database")
    .option("--seed <n>", "random seed of the simulated company", parseInteger("--seed"), 1)
    .option("--open", "then serve the dashboard on this machine (no sign-in) and open it in the browser")
    .option("--port <port>", "with --open: the port to serve on", parseInteger("--port"), 8787)
    .action(async (options: { seed: number; open?: boolean; port: number }, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const started = Date.now();
      const dir = await mkdtemp(join(tmpdir(), "verity-demo-"));
      try {
        await simulate({ size: "s", seed: options.seed, outDir: dir });
        const bar = importProgressBar(true);
        const { summary, contacts } = await withStore(globals, async (store) => {
          const workspace = workspaceOf(globals);
          try {
            const imported = await runImport(store, verityImporter, dir, {
              workspace,
              onProgress: bar.update,
              sourceSystem: DEMO_SOURCE,
              before: () => replaceDemo(store, workspace),
            });
            return { summary: imported, contacts: await loadDemoContacts(store, workspace, options.seed) };
          } finally {
            bar.stop();
          }
        });
        const count = (table: keyof typeof summary.tables) => formatCount(summary.tables[table]?.rows ?? 0);
        const seconds = ((Date.now() - started) / 1000).toFixed(1);
        const patterns = PLANTED_PATTERNS.map((p) => `  - ${p.description}`).join("\n");
        process.stdout.write(
          [
            `Verity demo: a simulated B2B company loaded into ${describeTarget(targetOf(globals))} (workspace "${summary.workspace}") in ${seconds} s.`,
            "",
            `  ${count("reps")} reps, ${count("leads")} leads with ${count("stage_events")} stage changes and ${count("activities")} activities,`,
            `  ${count("visits")} website visits, ${count("social_posts")} social posts, ${count("newsletter_subscribers")} newsletter subscribers and ${count("email_events")} email events,`,
            `  ${formatCount(contacts)} contacts with an opt-in for campaigns (addresses on .example: nothing can be delivered to them).`,
            "",
            "Hidden in it, the kind of story vanity metrics tell:",
            patterns,
            "",
            "Next:",
            "  npx verity check                  the vanity check: vanity numbers beside the real ones",
            "  npx verity check -p 2026-Q2       the quarter where new leads rose and qualified leads fell",
            "  npx verity report                 the nine real metrics (--help for periods, filters, --format json)",
            "  npx verity status                 what is loaded",
            `  npx verity segment preview --where '{"lead":{"status":["lost"],"loss_reason":["price"]}}'`,
            "                                    who a campaign to leads lost on price would reach",
            "  npx verity segment list           the demo's two saved segments (and the dashboard's Campaigns page)",
            "  npx verity import FILES...        load your own CRM export (Salesforce, HubSpot, Pipedrive, Nutshell, any CSV)",
            "  npx verity serve --no-auth        the dashboard and the API on this machine: http://127.0.0.1:8787/",
            "",
          ].join("\n"),
        );
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
      if (options.open) {
        await serve(
          globals,
          { port: options.port, host: "127.0.0.1", auth: false, trackingRate: 20, logLevel: "warn" },
          (url) => openInBrowser(`${url}/`),
        );
      }
    });
}

/**
 * The simulated subscribers as contacts with their opt-in (the demo's own: the simulated
 * files hold hashes only, as real newsletter exports do). Replaces the demo's earlier ones.
 */
async function loadDemoContacts(store: Store, workspace: string, seed: number): Promise<number> {
  // Only the demo's own are replaced: a user's imported contacts in this workspace stay.
  const summary = await writeContacts(
    store,
    workspace,
    {
      contacts: simulatedContacts("s", seed).map((c) => ({ ...c, consentSource: DEMO_CONSENT_SOURCE })),
      suppressions: [],
      notes: [],
    },
    { replaceSource: DEMO_CONSENT_SOURCE },
  );
  // Two saved segments, so the campaigns page and `segment list` show what one looks like
  // (an earlier demo's go first: a user's own segments in this workspace stay).
  await store.execute(
    sql`DELETE FROM segments WHERE workspace_id = ${workspace} AND created_by = 'demo'
          AND name NOT IN (${joinSql(DEMO_SEGMENTS.map((d) => sql`${d.name}`))})`,
  );
  for (const segment of DEMO_SEGMENTS) await saveSegment(store, workspace, segment, { by: "demo", replace: true });
  return summary.contacts;
}

/** The demo's segments: the article's examples over the simulated company. */
const DEMO_SEGMENTS = [
  {
    name: "lost-on-price",
    description: "Contacts of leads lost on price: worth asking again when the offer changes",
    definition: { lead: { status: ["lost"], loss_reason: ["price"] } },
  },
  {
    name: "subscribers-not-leads",
    description: "Newsletter subscribers who are not leads yet: the ones a campaign should ask to talk to sales",
    definition: { all: [{ subscriber: {} }, { not: { lead: {} } }] },
  },
];

/**
 * Opens the dashboard with the browser $BROWSER names, or the system's default (the `open`
 * package: xdg-open, open, start). Where none can start, says where to go instead.
 */
async function openInBrowser(url: string): Promise<void> {
  const browser = process.env.BROWSER?.trim();
  const say = () => process.stderr.write(`verity: no browser could be started here; open ${url} yourself\n`);
  try {
    const { default: open } = await import("open");
    const child = await open(url, browser ? { app: { name: browser } } : {});
    child.once("error", say);
    child.once("exit", (code) => {
      if (code !== 0 && code !== null) say();
    });
  } catch {
    say();
  }
}
