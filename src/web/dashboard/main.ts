/**
 * The dashboard's entry: the page chrome (title, navigation, language, sign-out), the shared
 * filter bar, and the page for the current path. Pages read the filters from the URL and
 * call the API; a 401 from it sends the reader to the sign-in page and back.
 */
import { ApiFailure, get, post, SignInNeeded } from "./api.js";
import { disposeCharts } from "./chart.js";
import { type Choices, type Filters, filterBar, hrefWith, readFilters } from "./filters.js";
import { currentLocale, LOCALES, type Locale, type MessageKey, setLocale, t } from "./i18n.js";
import { activityPage } from "./pages/activity.js";
import { campaignsPage } from "./pages/campaigns.js";
import { engagementPage } from "./pages/engagement.js";
import { funnelPage } from "./pages/funnel.js";
import { homePage } from "./pages/home.js";
import { loginPage } from "./pages/login.js";
import { lossesPage } from "./pages/losses.js";
import { newsletterPage } from "./pages/newsletter.js";
import { qualifiedPage } from "./pages/qualified.js";
import { socialPage } from "./pages/social.js";
import { timelinePage } from "./pages/timeline.js";
import { velocityPage } from "./pages/velocity.js";

type Page = { path: string; nav: MessageKey; render: (main: HTMLElement, filters: Filters) => Promise<void> };

const PAGES: Page[] = [
  { path: "/", nav: "nav.home", render: homePage },
  { path: "/activity", nav: "nav.activity", render: activityPage },
  { path: "/funnel", nav: "nav.funnel", render: funnelPage },
  { path: "/velocity", nav: "nav.velocity", render: velocityPage },
  { path: "/losses", nav: "nav.losses", render: lossesPage },
  { path: "/engagement", nav: "nav.engagement", render: engagementPage },
  { path: "/qualified", nav: "nav.qualified", render: qualifiedPage },
  { path: "/social", nav: "nav.social", render: socialPage },
  { path: "/newsletter", nav: "nav.newsletter", render: newsletterPage },
  { path: "/timeline", nav: "nav.timeline", render: timelinePage },
  { path: "/campaigns", nav: "nav.campaigns", render: campaignsPage },
];

function header(signedIn: boolean): HTMLElement {
  const bar = document.createElement("header");
  bar.className = "top";
  const brand = document.createElement("a");
  brand.className = "brand";
  brand.href = hrefWith("/", readFilters());
  brand.textContent = t("app.title");
  brand.title = t("app.tagline");
  const nav = document.createElement("nav");
  for (const page of PAGES) {
    const link = document.createElement("a");
    link.href = hrefWith(page.path, readFilters());
    link.textContent = t(page.nav);
    if (page.path === location.pathname) link.setAttribute("aria-current", "page");
    nav.append(link);
  }
  const language = document.createElement("select");
  language.setAttribute("aria-label", t("nav.language"));
  for (const [code, name] of Object.entries(LOCALES)) language.append(new Option(name, code));
  language.value = currentLocale();
  language.addEventListener("change", () => {
    setLocale(language.value as Locale);
    void render();
  });
  bar.append(brand, nav, language);
  if (signedIn) {
    const out = document.createElement("button");
    out.type = "button";
    out.className = "secondary";
    out.textContent = t("nav.signOut");
    out.addEventListener("click", async () => {
      await post("/api/logout", {}).catch(() => undefined);
      location.assign("/login");
    });
    bar.append(out);
  }
  return bar;
}

function problem(main: HTMLElement, error: unknown): void {
  const message = document.createElement("p");
  message.className = "error";
  message.setAttribute("role", "alert");
  message.textContent = t("state.error", {
    message: error instanceof ApiFailure || error instanceof Error ? error.message : String(error),
  });
  main.replaceChildren(message);
  main.dataset.ready = "error";
}

let signedInWithSession = false;
/** The workspace's filter values, asked once a page load. */
let choices: Promise<Choices | null> | null = null;

async function render(): Promise<void> {
  disposeCharts();
  const root = document.getElementById("app") as HTMLElement;
  const main = document.createElement("main");
  main.id = "main";
  if (location.pathname === "/login") {
    root.replaceChildren(header(false), main);
    loginPage(main, new URLSearchParams(location.search).get("next") ?? "/");
    return;
  }
  const page = PAGES.find((p) => p.path === location.pathname) ?? (PAGES[0] as Page);
  const filters = readFilters();
  choices ??= get<Choices>("/api/filters").catch(() => null);
  const bar = filterBar(
    filters,
    (next) => {
      history.pushState(null, "", hrefWith(location.pathname, next));
      void render();
    },
    await choices,
  );
  root.replaceChildren(header(signedInWithSession), bar, main);
  main.textContent = t("state.loading");
  main.dataset.ready = "loading";
  try {
    await page.render(main, filters);
  } catch (error) {
    if (error instanceof SignInNeeded) {
      location.assign(`/login?next=${encodeURIComponent(location.pathname + location.search)}`);
      return;
    }
    problem(main, error);
  }
}

async function start(): Promise<void> {
  setLocale(currentLocale());
  if (location.pathname !== "/login") {
    try {
      const response = await fetch("/api/me", { credentials: "same-origin" });
      if (response.status === 401) {
        location.assign(`/login?next=${encodeURIComponent(location.pathname + location.search)}`);
        return;
      }
      signedInWithSession = response.ok && (await response.json()).via === "session";
    } catch {}
  }
  addEventListener("popstate", () => void render());
  await render();
}

void start();
