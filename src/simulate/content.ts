/**
 * What the company publishes: blog articles (promoted by social posts and newsletter issues,
 * landed on by search visitors) and the fixed pages of its website.
 */
import { SITE } from "./company.js";

export type Article = { slug: string; title: string; url: string };

// biome-ignore format: word lists read better packed
const PROBLEMS = [
  "truck rolls", "no-shows", "overtime", "first-time-fix failures", "paper work orders", "idle technicians",
  "late invoices", "SLA penalties", "double bookings", "missing spare parts",
] as const;
const SECTORS = ["HVAC", "elevator", "facility", "solar", "security", "fire protection"] as const;
// biome-ignore format: word lists read better packed
const TASKS = [
  "technician routes", "spare parts", "maintenance contracts", "service visits", "work orders", "on-call rotas",
  "customer sign-offs",
] as const;

function slugOf(title: string): string {
  return title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");
}

/** A fixed catalogue; titles mix a few templates so slugs and subjects read like a real blog. */
function buildArticles(): Article[] {
  const titles: string[] = [];
  PROBLEMS.forEach((problem, i) => {
    titles.push(`${3 + (i % 5)} ways to cut ${problem}`);
    titles.push(`The hidden cost of ${problem}`);
  });
  for (const sector of SECTORS) {
    for (const task of TASKS) titles.push(`How ${sector} teams plan ${task}`);
  }
  TASKS.forEach((task, i) => {
    titles.push(`${task[0]?.toUpperCase()}${task.slice(1)}: a practical guide`);
    titles.push(`What we learned from ${20 + i * 7} ${SECTORS[i % SECTORS.length]} companies`);
  });
  const seen = new Set<string>();
  return titles
    .filter((t) => {
      const slug = slugOf(t);
      if (seen.has(slug)) return false;
      seen.add(slug);
      return true;
    })
    .map((title) => ({ slug: slugOf(title), title, url: `${SITE}/blog/${slugOf(title)}` }));
}

export const ARTICLES: readonly Article[] = buildArticles();

export function articleAt(index: number): Article {
  const article = ARTICLES[((index % ARTICLES.length) + ARTICLES.length) % ARTICLES.length];
  if (!article) throw new Error("no articles");
  return article;
}

/** Pages that are not articles, as full URLs. */
export const PAGES = {
  home: `${SITE}/`,
  pricing: `${SITE}/pricing`,
  product: `${SITE}/product`,
  scheduling: `${SITE}/product/scheduling`,
  mobile: `${SITE}/product/mobile-app`,
  customers: `${SITE}/customers`,
  integrations: `${SITE}/integrations`,
  about: `${SITE}/about`,
  careers: `${SITE}/careers`,
  docs: `${SITE}/docs/getting-started`,
  login: `${SITE}/app/login`,
  demo: `${SITE}/demo`,
  contact: `${SITE}/contact`,
  compare: `${SITE}/compare`,
} as const;

/** Rival vendors (fictional), named in loss reasons, notes and competitor search ads. */
export const COMPETITORS = ["Dispatchly", "Tecnivo", "Fieldora", "Serviqo", "RouteMint"] as const;
