/**
 * The dashboard (src/web/dashboard) in real Chromium against `verity serve` on DuckDB with the
 * simulated company: pages load without console errors, the numbers are the API's, a filter
 * changes the numbers and the URL, a downloaded CSV holds the API's numbers, Swedish formats
 * numbers and dates the Swedish way, and with authentication the page asks for a sign-in.
 * A screenshot of every page goes to test-artifacts/dashboard/, except under CI=true (a fresh
 * clone nobody looks into afterwards, where the full-page screenshots were a third of the
 * area pages' time); VERITY_SCREENSHOTS=1 takes them there too. They are for a person to look
 * at: no assertion reads them.
 *
 * Needs /usr/bin/chromium (Debian's chromium package; .ci/run installs it). Without it the
 * tests fail rather than skip.
 */
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Papa from "papaparse";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addUser } from "../../src/accounts/users.js";
import { createCampaign } from "../../src/campaigns/campaigns.js";
import { writeContacts } from "../../src/campaigns/contacts.js";
import { snapshotRecipients } from "../../src/campaigns/outbox.js";
import { saveSegment } from "../../src/campaigns/segments.js";
import { runImport } from "../../src/ingest/importer.js";
import { verityImporter } from "../../src/ingest/verity-importer.js";
import { wilsonInterval } from "../../src/metrics/statistics.js";
import { DASHBOARD_PAGES } from "../../src/server/routes/dashboard.js";
import { startServer } from "../../src/server/server.js";
import { simulate } from "../../src/simulate/simulate.js";
import { sql } from "../../src/store/sql.js";
import type { Store } from "../../src/store/store.js";
import { launchChromium, MISSING_CHROMIUM } from "../support/chromium.js";
import { engines } from "../support/databases.js";
import { BASE, type Fixture, lead, writeFixture } from "../support/metric-fixtures.js";
import { SIMULATED_WORKSPACE } from "../support/simulated-company.js";
import { openTestStore } from "../support/stores.js";

const ARTIFACTS = join(import.meta.dirname, "..", "..", "test-artifacts", "dashboard");
const SCREENSHOTS = process.env.CI !== "true" || process.env.VERITY_SCREENSHOTS === "1";

/** A full-page screenshot to test-artifacts/dashboard/<name>.png, where screenshots are taken. */
async function screenshot(page: Page, name: string): Promise<void> {
  if (SCREENSHOTS) await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}
const PERIOD = "2026-Q2";

/**
 * A CRM export of won and open deals only (as test/doctor.test.ts): no lost deal, no amount,
 * no qualifying stage. Its win rate and total sales cannot be told, and the doctor says why.
 * Three of its deals are named like spreadsheet formulas, all at one account, which the CSV
 * download of the lead search must write escaped.
 */
const SPARSE_WORKSPACE = "sparse";
const FORMULA_ACCOUNT = "Formula Test AB";
const SPARSE: Fixture = {
  ...BASE,
  stages: (BASE.stages ?? []).map((s) => ({ ...s, is_qualifying: false })),
  leads: [
    lead({
      id: "L1",
      name: '=HYPERLINK("https://evil.example","click")',
      account: FORMULA_ACCOUNT,
      created_at: "2024-01-01T09:00:00Z",
      status: "won",
      closed_at: "2024-02-10T00:00:00Z",
      stage_id: "prop",
    }),
    lead({
      id: "L2",
      name: "-2+3",
      account: FORMULA_ACCOUNT,
      created_at: "2024-05-01T00:00:00Z",
      status: "won",
      closed_at: "2024-07-01T00:00:00Z",
      stage_id: "prop",
    }),
    lead({
      id: "L3",
      name: "Plain deal",
      account: FORMULA_ACCOUNT,
      created_at: "2025-03-01T00:00:00Z",
      stage_id: "demo",
    }),
    lead({
      id: "L4",
      name: "@SUM(A1:A2)",
      account: FORMULA_ACCOUNT,
      created_at: "2025-08-20T00:00:00Z",
      stage_id: "new",
    }),
  ],
};

type Running = Awaited<ReturnType<typeof startServer>>;

let store: Store;
let disposeStore: () => Promise<void>;
let dirs: string[] = [];
let open: Running;
let guarded: Running;
let sparse: Running;
let browser: Browser | undefined;

type Viewer = { locale?: string; width?: number };

/**
 * One browser context per locale and screen, shared by the tests that need no fresh one:
 * a context costs a start of its own, and a shared one keeps ECharts (served with max-age)
 * in its cache, so a page load downloads and compiles it once rather than every time.
 * Nothing here signs in or picks a language (the sign-in test makes its own context).
 */
const shared = new Map<string, Promise<BrowserContext>>();

function newContext(options: Viewer): Promise<BrowserContext> {
  if (!browser) throw new Error(MISSING_CHROMIUM);
  return browser.newContext({
    locale: options.locale ?? "en-GB",
    viewport: { width: options.width ?? 1280, height: 900 },
    acceptDownloads: true,
  });
}

/** A page that records console errors and failed requests; `fresh` gives it a context of its own. */
async function newPage(options: Viewer & { fresh?: boolean } = {}) {
  let context: BrowserContext;
  if (options.fresh) context = await newContext(options);
  else {
    const key = `${options.locale ?? "en-GB"}/${options.width ?? 1280}`;
    let made = shared.get(key);
    if (!made) {
      made = newContext(options);
      shared.set(key, made);
    }
    context = await made;
  }
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  page.on("pageerror", (error) => errors.push(String(error)));
  page.on("requestfailed", (request) => {
    // A request cut short because the page moved on (to the sign-in page) is not a failure.
    if (request.failure()?.errorText !== "net::ERR_ABORTED")
      errors.push(`${request.url()}: ${request.failure()?.errorText}`);
  });
  // Closes the page, and its context when it has one of its own.
  const close = () => (options.fresh ? context.close() : page.close());
  return { page, errors, close };
}

/** Waits until the page has drawn everything (or failed, which the test then sees). */
async function ready(page: Page): Promise<string> {
  await page.waitForSelector('main[data-ready="all"], main[data-ready="error"]', { timeout: 60_000 });
  return (await page.getAttribute("main", "data-ready")) ?? "";
}

const api = async <T>(path: string): Promise<T> => (await (await fetch(`${open.url}${path}`)).json()) as T;

type Evidence =
  | { kind: "count" | "level" | "sum"; n: number }
  | { kind: "rate"; successes: number; trials: number }
  | { kind: "per"; events: number; exposure: number }
  | { kind: "median"; n: number };
type CheckFigure = {
  value: number | null;
  evidence: Evidence | null;
  judgement: { movement: "up" | "down" | "within" | null } | null;
  history: (number | null)[];
};
type Check = {
  period: { label: string };
  history: { periods: { label: string }[] };
  findings: {
    vanity: string;
    verdict: "diverging" | "improving" | "aligned" | "noise" | "unknown";
    words: { en: string; sv: string };
    vanityFigure: CheckFigure;
    realFigure: CheckFigure;
  }[];
};

/** The n as the English dashboard writes it (src/web/dashboard/figures.ts), numbers in en-GB. */
function evidenceWords(e: Evidence): string {
  const n = (x: number) => x.toLocaleString("en-GB");
  switch (e.kind) {
    case "count":
    case "level":
      return `n = ${n(e.n)}`;
    case "sum":
      return `${n(e.n)} leads`;
    case "rate":
      return `${n(e.successes)} of ${n(e.trials)}`;
    case "per":
      return `${n(e.events)} / ${n(e.exposure)}`;
    case "median":
      return `median of ${n(e.n)} leads`;
  }
}

/** Contacts, a segment, and a campaign sent on 2026-05-04 with a click two days later (the campaigns page). */
const CAMPAIGN_START = new Date("2026-05-04T08:00:00Z");
async function addCampaign(store: Store): Promise<void> {
  await writeContacts(store, SIMULATED_WORKSPACE, {
    contacts: ["ada", "bo", "cy"].map((who) => ({
      address: `${who}@prospect.example`,
      firstName: who.toUpperCase(),
      lastName: null,
      company: "Prospect AB",
      consentAt: "2026-01-01 00:00:00",
      consentSource: "webinar",
    })),
    suppressions: [
      { address: "cy@prospect.example", reason: "unsubscribed", since: "2026-03-01 00:00:00", source: "test" },
    ],
    notes: [],
  });
  await saveSegment(store, SIMULATED_WORKSPACE, { name: "prospects", definition: { not: { lead: {} } } }, { by: null });
  const { campaign } = await createCampaign(
    store,
    SIMULATED_WORKSPACE,
    { name: "may-launch", segment: "prospects", subject: "May launch", html: '<a href="https://x.example/">x</a>' },
    null,
  );
  await snapshotRecipients(store, SIMULATED_WORKSPACE, campaign, CAMPAIGN_START);
  await store.execute(
    sql`UPDATE campaign_outbox SET status = 'sent', finished_at = CAST('2026-05-04 08:10:00' AS TIMESTAMP)
        WHERE workspace_id = ${SIMULATED_WORKSPACE} AND campaign_id = ${campaign.id}`,
  );
  await store.execute(
    sql`UPDATE campaigns SET status = 'sent' WHERE workspace_id = ${SIMULATED_WORKSPACE} AND id = ${campaign.id}`,
  );
  await store.execute(
    sql`INSERT INTO campaign_events (workspace_id, campaign_id, recipient_id, type, link_index, occurred_at)
        VALUES (${SIMULATED_WORKSPACE}, ${campaign.id}, 1, 'click', 0, CAST('2026-05-06 10:00:00' AS TIMESTAMP)),
               (${SIMULATED_WORKSPACE}, ${campaign.id}, 1, 'click', 0, CAST('2026-05-06 10:05:00' AS TIMESTAMP))`,
  );
}

// On DuckDB, as `verity demo` and `verity serve` run by default (the engines' numbers are compared in
// the API tests); not in the PostgreSQL-only pass of CI.
describe.runIf(engines().includes("duckdb"))("the dashboard in Chromium", () => {
  beforeAll(async () => {
    // Chromium starts while the company is made and imported.
    const launching = launchChromium();
    // The simulated company's files, imported (simulatedCompany() would also parse them for
    // reference implementations, which this file has none of).
    const companyDir = await mkdtemp(join(tmpdir(), "verity-dashboard-company-"));
    dirs.push(companyDir);
    await simulate({ size: "s", seed: 3, outDir: companyDir });
    const loaded = await openTestStore("duckdb");
    store = loaded.store;
    disposeStore = loaded.dispose;
    await runImport(store, verityImporter, companyDir, { workspace: SIMULATED_WORKSPACE });
    await addCampaign(store);
    await addUser(store, {
      workspace: SIMULATED_WORKSPACE,
      email: "manager@example.com",
      role: "manager",
      password: "correct horse battery staple",
    });
    const dataDir = async () => {
      const dir = await mkdtemp(join(tmpdir(), "verity-dashboard-"));
      dirs.push(dir);
      return dir;
    };
    // As `verity serve --no-auth` serves the demo, and as a server with sign-in does.
    open = await startServer({
      store,
      port: 0,
      dataDir: await dataDir(),
      auth: false,
      workspace: SIMULATED_WORKSPACE,
      logLevel: "warn",
    });
    // One campaign runner for the store (three would bring campaign events in side by side).
    guarded = await startServer({ store, port: 0, dataDir: await dataDir(), logLevel: "warn", runCampaigns: false });
    const sparseFiles = await writeFixture(SPARSE);
    dirs.push(sparseFiles);
    await runImport(store, verityImporter, sparseFiles, { workspace: SPARSE_WORKSPACE });
    sparse = await startServer({
      store,
      port: 0,
      dataDir: await dataDir(),
      auth: false,
      workspace: SPARSE_WORKSPACE,
      logLevel: "warn",
      runCampaigns: false,
    });
    await mkdir(ARTIFACTS, { recursive: true });
    browser = await launching;
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await open?.close();
    await guarded?.close();
    await sparse?.close();
    await disposeStore?.();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
    dirs = [];
  });

  it("home shows the eight pairs in the API's order, its words, each figure's n and judgement, from one request", async () => {
    const { page, errors, close } = await newPage();
    const asked: string[] = [];
    page.on("request", (request) => asked.push(new URL(request.url()).pathname));
    await page.goto(`${open.url}/?period=${PERIOD}`);
    expect(await ready(page)).toBe("all");
    const check = await api<Check>(`/api/check?period=${PERIOD}`);
    const order = await page.$$eval("article.pair", (cards) => cards.map((c) => c.getAttribute("data-vanity")));
    expect(order).toEqual(check.findings.map((f) => f.vanity));
    expect(order).toHaveLength(8);
    expect(await page.textContent("h1")).toContain(PERIOD);
    // The findings are the server's sentences, not composed in the page.
    expect(await page.locator("article.pair .finding").allTextContents()).toEqual(
      check.findings.map((f) => f.words.en),
    );
    // Each figure's n beside it, as the API counted it.
    let withN = 0;
    for (const f of check.findings) {
      for (const [side, figure] of [
        ["vanity", f.vanityFigure],
        ["real", f.realFigure],
      ] as const) {
        const shown = page.locator(`article.pair[data-vanity="${f.vanity}"] .figure.${side} .figure-n`);
        if (!figure.evidence) {
          expect(await shown.count(), `${f.vanity} ${side}`).toBe(0);
          continue;
        }
        expect(await shown.textContent(), `${f.vanity} ${side}`).toContain(evidenceWords(figure.evidence));
        withN++;
      }
    }
    expect(withN).toBeGreaterThanOrEqual(8);
    // A rate with its 95% interval, the one `verity report` prints (statistics.ts).
    const rated = check.findings.find((f) => f.realFigure.evidence?.kind === "rate");
    const rate = rated?.realFigure.evidence as Extract<Evidence, { kind: "rate" }>;
    expect(rate, "a rate among the real figures").toBeDefined();
    const interval = wilsonInterval(rate.successes, rate.trials);
    const percent = (x: number) => `${(Math.round(x * 1000) / 10).toLocaleString("en-GB")}%`;
    expect(
      await page.locator(`article.pair[data-vanity="${rated?.vanity}"] .figure.real .figure-n`).textContent(),
    ).toBe(
      `${rate.successes.toLocaleString("en-GB")} of ${rate.trials.toLocaleString("en-GB")} (95% interval ${percent(interval?.low ?? 0)}–${percent(interval?.high ?? 0)})`,
    );
    // A pair whose two changes are both within normal variation is marked so, with each range.
    const noise = check.findings.find((f) => f.verdict === "noise");
    expect(noise, "a noise pair in the simulated company's 2026-Q2").toBeDefined();
    const noiseCard = page.locator(`article.pair[data-vanity="${noise?.vanity}"]`);
    expect(await noiseCard.getAttribute("data-verdict")).toBe("noise");
    expect(await noiseCard.locator(".badge").textContent()).toBe("~ Normal variation");
    for (const judged of await noiseCard.locator(".figure-judgement").allTextContents()) {
      expect(judged).toMatch(/^within normal variation \(normal range .+–.+\)$/);
    }
    // A change beyond normal variation says so.
    const moved = check.findings.find((f) => ["up", "down"].includes(f.realFigure.judgement?.movement ?? ""));
    expect(moved).toBeDefined();
    expect(
      await page.locator(`article.pair[data-vanity="${moved?.vanity}"] .figure.real .figure-judgement`).textContent(),
    ).toBe("beyond normal variation");
    // The simulated company's data supports every metric: no data-health banner.
    type Health = { summary: { partly: number; unsupported: number } };
    const health = await api<Health>("/api/doctor");
    expect(health.summary).toMatchObject({ partly: 0, unsupported: 0 });
    expect(await page.locator("aside.health").count()).toBe(0);
    // The legend names the five marks.
    expect(await page.locator("details.legend li .mark").allTextContents()).toEqual(["✗", "✓", "·", "~", "?"]);
    // Every pair's trend chart was drawn (ECharts' SVG renderer) from the check's own history.
    expect(await page.$$eval("article.pair .chart-canvas svg", (svgs) => svgs.length)).toBe(8);
    expect(asked.filter((path) => path === "/api/check")).toHaveLength(1);
    expect(asked.filter((path) => path.startsWith("/api/check/"))).toEqual([]);
    await screenshot(page, "home-en-laptop");
    expect(errors).toEqual([]);
    await close();
  });

  it("on data without losses, amounts or a qualifying stage: a data-health banner with the fixes, and cannot tell", async () => {
    type Doctor = { summary: { unsupported: number }; metrics: { missing: { need: string; fix: string }[] }[] };
    const doctor = (await (await fetch(`${sparse.url}/api/doctor`)).json()) as Doctor;
    expect(doctor.summary.unsupported).toBeGreaterThan(0);
    const fixes = new Map(doctor.metrics.flatMap((m) => m.missing.map((x) => [x.need, x.fix] as const)));
    const { page, errors, close } = await newPage();
    await page.goto(`${sparse.url}/`);
    expect(await ready(page)).toBe("all");
    const banner = (await page.locator("aside.health").textContent()) ?? "";
    expect(banner).toMatch(/^Data health: the data loaded cannot support \d+ of the 17 metrics/);
    for (const need of ["losses", "amounts", "qualification"]) {
      expect(fixes.get(need), need).toBeDefined();
      expect(banner).toContain((fixes.get(need) ?? "").replace(/\.$/, ""));
    }
    // Total sales without amounts: "cannot tell" and the reason, never a number.
    type Figure = { unsupported: { reason: string } | null };
    type Sparse = { findings: { vanity: string; verdict: string; vanityFigure: Figure; words: { en: string } }[] };
    const check = (await (await fetch(`${sparse.url}/api/check`)).json()) as Sparse;
    const sales = check.findings.find((f) => f.vanity === "total-sales");
    expect(sales?.vanityFigure.unsupported).not.toBeNull();
    const card = page.locator('article.pair[data-vanity="total-sales"]');
    expect(await card.getAttribute("data-verdict")).toBe("unknown");
    expect(await card.locator(".badge").textContent()).toBe("? Cannot tell");
    expect(await card.locator(".figure.vanity .figure-value").textContent()).toBe("Cannot tell");
    expect(await card.locator(".figure.vanity .figure-unsupported").textContent()).toContain(
      `cannot tell: ${sales?.vanityFigure.unsupported?.reason.replace(/\.$/, "")}`,
    );
    expect(await card.locator(".finding").textContent()).toBe(sales?.words.en);
    await screenshot(page, "home-sparse-en-laptop");
    expect(errors).toEqual([]);
    await close();
  });

  it("a CSV download writes CRM text that looks like a formula with a leading apostrophe (the lead search's table)", async () => {
    type Found = { leads: { id: string; name: string; account: string }[] };
    const found = (await (await fetch(`${sparse.url}/api/leads?search=formula%20test`)).json()) as Found;
    const names = found.leads.map((l) => l.name);
    expect([...names].sort()).toEqual([
      "-2+3",
      '=HYPERLINK("https://evil.example","click")',
      "@SUM(A1:A2)",
      "Plain deal",
    ]);
    const { page, errors, close } = await newPage();
    await page.goto(`${sparse.url}/timeline?search=formula%20test`);
    await ready(page);
    const table = page.locator(".sortable");
    // On the page, the names as the CRM has them.
    expect(await table.locator("tbody tr td:first-child").allTextContents()).toEqual(names);
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      table.getByRole("button", { name: "Download CSV" }).click(),
    ]);
    expect(download.suggestedFilename()).toBe("leads-found.csv");
    const rows = Papa.parse<string[]>((await readFile((await download.path()) as string, "utf8")).trim()).data;
    expect(rows[0]).toEqual(["Lead", "Account", "Status", "Created"]);
    // In the file, each formula-looking name with an apostrophe in front; the plain one as it is.
    expect(rows.slice(1).map((r) => r[0])).toEqual(names.map((n) => (n === "Plain deal" ? n : `'${n}`)));
    expect(rows.slice(1).map((r) => r[1])).toEqual(names.map(() => FORMULA_ACCOUNT));
    expect(errors).toEqual([]);
    await close();
  });

  it("a filter changes the numbers and the URL, and the back button restores both", async () => {
    const { page, errors, close } = await newPage();
    await page.goto(`${open.url}/?period=${PERIOD}`);
    await ready(page);
    const figures = () => page.$$eval(".figure-value", (values) => values.map((v) => v.textContent).join("|"));
    const before = await figures();
    await page.fill('input[name="period"]', "2025-Q4");
    await page.click('form.filters button[type="submit"]');
    await page.waitForURL(/period=2025-Q4/);
    await ready(page);
    expect(await page.textContent("h1")).toContain("2025-Q4");
    expect(await figures()).not.toEqual(before);
    expect(await page.inputValue('input[name="period"]')).toBe("2025-Q4");
    await page.goBack();
    await page.waitForURL(new RegExp(`period=${PERIOD}`));
    await ready(page);
    expect(await figures()).toEqual(before);
    // The rep list holds the workspace's reps (GET /api/filters); choosing one narrows the numbers.
    const rep = await page.locator('select[name="rep"] option').nth(1).getAttribute("value");
    await page.selectOption('select[name="rep"]', rep ?? "");
    await page.click('form.filters button[type="submit"]');
    await page.waitForURL(new RegExp(`rep=${rep}`));
    await ready(page);
    expect(await figures()).not.toEqual(before);
    expect(errors).toEqual([]);
    await close();
  });

  it("shows a chart's numbers as a table, and its CSV holds the API's numbers", async () => {
    const { page, errors, close } = await newPage();
    await page.goto(`${open.url}/?period=${PERIOD}`);
    await ready(page);
    const first = page.locator("article.pair").first();
    const vanity = await first.getAttribute("data-vanity");
    await first.getByRole("button", { name: "Show the numbers" }).click();
    // The check's periods, from the first where either figure has a value.
    const check = await api<Check>(`/api/check?period=${PERIOD}`);
    const finding = check.findings.find((f) => f.vanity === vanity);
    expect(finding).toBeDefined();
    const vanityValues = finding?.vanityFigure.history ?? [];
    const realValues = finding?.realFigure.history ?? [];
    const from = check.history.periods.findIndex((_, i) => vanityValues[i] != null || realValues[i] != null);
    const expected = check.history.periods
      .map((p, i) => [p.label, String(vanityValues[i] ?? ""), String(realValues[i] ?? "")])
      .slice(from);
    expect(expected.length).toBeGreaterThan(6);
    expect(await first.locator(".chart-table tbody tr").count()).toBe(expected.length);
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      first.getByRole("button", { name: "Download CSV" }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(`vanity-check-${vanity}.csv`);
    const csv = await readFile((await download.path()) as string, "utf8");
    const rows = Papa.parse<string[]>(csv.trim()).data;
    expect(rows.slice(1)).toEqual(expected);
    expect(errors).toEqual([]);
    await close();
  });

  it("in Swedish, on a phone: Swedish words, numbers and dates", async () => {
    const { page, errors, close } = await newPage({ locale: "sv-SE", width: 390 });
    await page.goto(`${open.url}/?period=${PERIOD}`);
    expect(await ready(page)).toBe("all");
    expect(await page.textContent("h1")).toMatch(/^Fåfängekollen: 2026-Q2 mot 2026-Q1$/);
    // The server's Swedish sentences.
    const check = await api<Check>(`/api/check?period=${PERIOD}`);
    expect(await page.locator("article.pair .finding").allTextContents()).toEqual(
      check.findings.map((f) => f.words.sv),
    );
    expect(await page.locator("article.pair[data-verdict=noise] .badge").first().textContent()).toBe(
      "~ Normal variation",
    );
    expect(await page.locator("details.legend summary").textContent()).toBe("Vad markeringarna betyder");
    // The words and numbers of the cards (not the charts' SVG, whose ids are digits too).
    const text = (await page.$$eval(".figures, .finding", (parts) => parts.map((p) => p.textContent).join("\n"))) ?? "";
    // Thousands grouped with a (narrow) no-break space, decimals after a comma, a space before %.
    expect(text).toMatch(/\d[\u00a0\u202f]\d{3}/);
    expect(text).toMatch(/\d,\d[\u00a0\u202f]%/);
    expect(text).not.toMatch(/\d,\d{3}\b/);
    // The period as Swedish dates: "1 apr. 2026 – 30 juni 2026".
    expect(await page.textContent("main p.muted")).toMatch(/^1 apr\.? 2026 – 30 juni 2026\./);
    expect(await page.locator("select[aria-label='Språk']").inputValue()).toBe("sv");
    const overflow = Number(
      await page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth"),
    );
    expect(overflow, `home is ${overflow}px wider than the phone`).toBeLessThanOrEqual(1);
    await screenshot(page, "home-sv-phone");
    expect(errors).toEqual([]);
    await close();
  });

  it("every area page loads without console errors, in English on a laptop and in Swedish on a phone", async () => {
    // Every page the server serves but home (above) and the sign-in page (below).
    const paths = DASHBOARD_PAGES.filter((p) => p !== "/" && p !== "/login");
    // One tab per viewer goes from page to page (a full load each time, as a link does): a new
    // tab costs a renderer start of its own. The two viewers walk the pages side by side.
    const laptop = async () => {
      const { page, errors, close } = await newPage();
      for (const path of paths) {
        errors.length = 0;
        await page.goto(`${open.url}${path}?period=${PERIOD}`);
        expect(await ready(page), path).toBe("all");
        expect(await page.locator("h1").count(), path).toBe(1);
        if (path !== "/timeline") {
          // Charts drawn (each in the frame after its page is ready), and the metric's headline numbers shown.
          await page.waitForSelector(".chart-canvas svg", { timeout: 30_000 });
          expect(await page.locator(".chart-canvas svg").count(), path).toBeGreaterThan(0);
          expect(await page.locator(".stat.real").count(), path).toBeGreaterThan(0);
        }
        await screenshot(page, `${path.slice(1)}-en-laptop`);
        expect(errors, path).toEqual([]);
      }
      await close();
    };
    // The same pages in Swedish on a phone: no English headings left, nothing wider than the screen.
    const phone = async () => {
      const { page, errors, close } = await newPage({ locale: "sv-SE", width: 390 });
      for (const path of paths) {
        errors.length = 0;
        await page.goto(`${open.url}${path}?period=${PERIOD}`);
        expect(await ready(page), path).toBe("all");
        expect(await page.locator("html").getAttribute("lang"), path).toBe("sv");
        const overflow = Number(
          await page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth"),
        );
        expect(overflow, `${path} is ${overflow}px wider than the phone`).toBeLessThanOrEqual(1);
        await screenshot(page, `${path.slice(1)}-sv-phone`);
        expect(errors, path).toEqual([]);
      }
      await close();
    };
    await Promise.all([laptop(), phone()]);
  }, 240_000);

  it("campaigns: results led by leads, opens not measured, the chart by day, the list and a segment's preview, in both languages", async () => {
    type Detail = { results: { sent: number; uniqueClickers: number; clicks: number }; daily: { day: string }[] };
    const detail = await api<Detail>("/api/campaigns/may-launch");
    expect(detail.results).toMatchObject({ sent: 2, uniqueClickers: 1, clicks: 2 });
    const { page, errors, close } = await newPage();
    await page.goto(`${open.url}/campaigns`);
    expect(await ready(page)).toBe("all");
    expect(await page.locator("h1").textContent()).toBe("Campaigns");
    // The most recent campaign is shown without asking: leads first, opens said to be unmeasured.
    const labels = await page.locator("section[data-campaign] .stat-label").allTextContents();
    expect(labels[0]).toBe("Leads");
    expect(labels.at(-1)).toBe("Opens");
    // A figure's box by its label (other boxes' notes may hold the same words).
    const box = (p: Page, label: string) =>
      p.locator(".stat").filter({ has: p.locator(".stat-label", { hasText: new RegExp(`^${label}$`) }) });
    const clickers = box(page, "People who clicked");
    expect(await clickers.locator(".stat-value").textContent()).toBe("1 · of 2 delivered");
    expect(await clickers.textContent()).toContain("2 clicks in all");
    expect(await box(page, "Opens").textContent()).toContain("Not measured");
    // The chart over time, its table the API's days.
    await page.waitForSelector("section[data-campaign] .chart-canvas svg");
    await page.locator("section[data-campaign] .chart-tools button", { hasText: "Show the numbers" }).click();
    const rows = page.locator("section[data-campaign] .chart-table table tbody tr");
    expect(await rows.count()).toBe(detail.daily.length);
    expect(detail.daily.map((d) => d.day)).toEqual(["2026-05-04", "2026-05-05", "2026-05-06"]);
    // The list links to each campaign.
    const link = page.locator("a", { hasText: "may-launch" });
    expect(await link.getAttribute("href")).toBe("/campaigns?campaign=may-launch");
    // The segment preview: ada and bo would be mailed, cy unsubscribed.
    await page.waitForSelector(".segment-preview[data-segment=prospects]");
    const preview = page.locator(".segment-preview");
    expect(await preview.locator(".stat", { hasText: "Would be mailed" }).locator(".stat-value").textContent()).toBe(
      "2",
    );
    expect(await preview.locator(".stat", { hasText: "Suppressed" }).textContent()).toContain("unsubscribed 1");
    expect(await preview.locator("tbody tr").count()).toBe(2);
    expect(errors).toEqual([]);
    await close();
    // In Swedish.
    const sv = await newPage({ locale: "sv-SE" });
    await sv.page.goto(`${open.url}/campaigns?campaign=may-launch`);
    expect(await ready(sv.page)).toBe("all");
    expect(await sv.page.locator("h1").textContent()).toBe("Kampanjer");
    expect(await box(sv.page, "Öppningar").textContent()).toContain("Mäts inte");
    expect(sv.errors).toEqual([]);
    await sv.close();
  });

  it("the stalled leads are the API's a page at a time, page and sort through the API, download whole as CSV, and link to each lead's timeline", async () => {
    type Stalled = { total: number; leads: { id: string; name: string; daysOver: number }[] };
    const list = (query: string) => api<Stalled>(`/api/stalled?period=${PERIOD}&limit=1000${query}`);
    const stalled = await list("");
    // More than a page (100), less than the API's largest page: the whole list in one answer here.
    expect(stalled.total).toBeGreaterThan(100);
    expect(stalled.leads).toHaveLength(stalled.total);
    const { page, errors, close } = await newPage();
    await page.goto(`${open.url}/velocity?period=${PERIOD}`);
    await ready(page);
    // The page's headlines carry their n (a median with the leads it is over).
    type Report = {
      headlines: { key: string; evidence?: Evidence | null; judgement?: { movement: string | null } | null }[];
    };
    const velocity = await api<Report>(`/api/metrics/velocity?period=${PERIOD}&compare=previous`);
    const at = velocity.headlines.findIndex((h) => h.key === "medianDaysToWin");
    const median = velocity.headlines[at]?.evidence;
    expect(median?.kind).toBe("median");
    expect(await page.locator(".stat.real").nth(at).locator(".stat-n").textContent()).toContain(
      evidenceWords(median as Evidence),
    );
    // And whether its change from the previous period is beyond sampling noise, as the API judged it.
    const movement = velocity.headlines[at]?.judgement?.movement;
    expect(["up", "down", "within"]).toContain(movement);
    expect(await page.locator(".stat.real").nth(at).locator(".stat-note").textContent()).toContain(
      movement === "within" ? "within sampling noise" : "beyond sampling noise",
    );
    const paged = page.locator(".paged");
    const table = paged.locator("table");
    const names = () => table.locator("tbody tr td:first-child").allTextContents();
    const range = paged.locator(".page-range");
    const total = stalled.total.toLocaleString("en-GB");
    /** Waits for the pager to say `text` (the page drawn anew), then reads the names shown. */
    const shownAt = async (text: string) => {
      await paged.locator(".page-range", { hasText: text }).waitFor();
      return names();
    };
    // The first page: 100 leads, most days over first, as the API orders them.
    expect(await range.textContent()).toBe(`1–100 of ${total}`);
    expect(await table.locator("th[aria-sort=descending]").textContent()).toBe("Days over");
    expect(await names()).toEqual(stalled.leads.slice(0, 100).map((l) => l.name));
    await expect(paged.getByRole("button", { name: "Previous" }).isDisabled()).resolves.toBe(true);
    // Next: the rest; Previous: back.
    await paged.getByRole("button", { name: "Next" }).click();
    const last = `101–${Math.min(200, stalled.total)} of ${total}`;
    expect(await shownAt(last)).toEqual(stalled.leads.slice(100, 200).map((l) => l.name));
    await paged.getByRole("button", { name: "Previous" }).click();
    expect(await shownAt(`1–100 of ${total}`)).toEqual(stalled.leads.slice(0, 100).map((l) => l.name));
    // A click on the sorted column turns it round; the API sorts the whole list, not the page.
    await table.getByRole("button", { name: "Days over" }).click();
    await paged.locator("th[aria-sort=ascending]", { hasText: "Days over" }).waitFor();
    const fewestFirst = await list("&sort=daysOver:asc");
    expect(await names()).toEqual(fewestFirst.leads.slice(0, 100).map((l) => l.name));
    // Another column: a text column from A, back on the first page.
    await paged.getByRole("button", { name: "Next" }).click();
    await paged.locator(".page-range", { hasText: last }).waitFor();
    await table.getByRole("button", { name: "Lead" }).click();
    await paged.locator("th[aria-sort=ascending]", { hasText: "Lead" }).waitFor();
    const byName = await list("&sort=name:asc");
    expect(await shownAt(`1–100 of ${total}`)).toEqual(byName.leads.slice(0, 100).map((l) => l.name));
    // The CSV: every lead of the list, in the order shown, from the API.
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      paged.getByRole("link", { name: "Download CSV" }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^stalled-leads-\d{4}-\d{2}-\d{2}\.csv$/);
    const rows = Papa.parse<string[]>((await readFile((await download.path()) as string, "utf8")).trim()).data;
    expect(rows[0]?.slice(0, 2)).toEqual(["Lead id", "Lead"]);
    expect(rows.slice(1).map((r) => r[0])).toEqual(byName.leads.map((l) => l.id));
    const byDaysOver = stalled.leads.map((l) => l.name);
    await table.getByRole("button", { name: "Days over" }).click();
    await paged.locator("th[aria-sort=descending]", { hasText: "Days over" }).waitFor();
    // The first lead's timeline: its page, with the filters kept.
    const first = stalled.leads.find((l) => l.name === byDaysOver[0]);
    await table.locator("tbody tr").first().getByRole("link").click();
    await page.waitForURL(new RegExp(`/timeline\\?period=${PERIOD}&lead=${first?.id}$`));
    await ready(page);
    expect(await page.textContent("main h2")).toContain(first?.name);
    type Timeline = { events: unknown[] };
    const timeline = await api<Timeline>(`/api/leads/${first?.id}/timeline`);
    expect(await page.locator(".sortable tbody tr").count()).toBe(timeline.events.length);
    await screenshot(page, "timeline-en-laptop");
    expect(errors).toEqual([]);
    await close();
  });

  it("says what is wrong with a filter the API refuses, and keeps the filters to mend it", async () => {
    const { page, close } = await newPage();
    await page.goto(`${open.url}/funnel?period=nonsense`);
    expect(await ready(page)).toBe("error");
    expect(await page.textContent("main [role=alert]")).toContain('"nonsense" is not a period');
    await page.fill('input[name="period"]', PERIOD);
    await page.click('form.filters button[type="submit"]');
    await page.waitForURL(new RegExp(`/funnel\\?period=${PERIOD}$`));
    expect(await ready(page)).toBe("all");
    await close();
  });

  it("finds a lead by part of its name and shows its timeline", async () => {
    type Found = { leads: { id: string; name: string }[] };
    const found = await api<Found>("/api/leads?search=automation");
    expect(found.leads.length).toBeGreaterThan(0);
    const { page, errors, close } = await newPage();
    await page.goto(`${open.url}/timeline`);
    await ready(page);
    await page.fill('input[name="search"]', "automation");
    await page.click('form.search button[type="submit"]');
    await page.waitForURL(/\/timeline\?search=automation$/);
    await ready(page);
    const names = await page.locator(".sortable tbody tr td:first-child").allTextContents();
    expect(names).toEqual(found.leads.map((l) => l.name));
    await page.locator(".sortable tbody tr").first().getByRole("link").click();
    await page.waitForURL(new RegExp(`lead=${found.leads[0]?.id}$`));
    await ready(page);
    expect(await page.textContent("main h2")).toContain(found.leads[0]?.name);
    expect(errors).toEqual([]);
    await close();
  });

  it("with authentication on, asks for a sign-in, refuses a wrong password and signs in", async () => {
    const { page, errors, close } = await newPage({ fresh: true });
    await page.goto(`${guarded.url}/?period=${PERIOD}`);
    await page.waitForURL(/\/login\?next=/);
    await ready(page);
    await screenshot(page, "login");
    await page.fill('input[name="email"]', "manager@example.com");
    await page.fill('input[name="password"]', "wrong");
    await page.click('form.login button[type="submit"]');
    // Checking a password takes a deliberate while (scrypt): wait for the answer.
    await expect
      .poll(() => page.textContent("form.login [role=alert]"), { timeout: 15_000 })
      .toBe("Wrong email or password.");
    await page.fill('input[name="password"]', "correct horse battery staple");
    await page.click('form.login button[type="submit"]');
    await page.waitForURL(new RegExp(`/\\?period=${PERIOD}$`));
    expect(await ready(page)).toBe("all");
    expect(await page.locator("article.pair").count()).toBe(8);
    expect(await page.getByRole("button", { name: "Sign out" }).count()).toBe(1);
    // The failed sign-in's 401 is the only error the console saw.
    expect(
      errors.filter((e) => !/401/.test(e)),
      JSON.stringify(errors),
    ).toEqual([]);
    await close();
  });
});
