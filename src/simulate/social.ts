/**
 * The company's social accounts: posts (each promoting an article, its links tagged with a
 * utm_campaign), cumulative shares and impressions per post read a few times after
 * publishing, and weekly follower counts per network. Plants the follower giveaway
 * (PLANTED_PATTERNS "follower-giveaway"): followers jump, engagement per post drops.
 */
import { SOCIAL_NETWORKS } from "../model/canonical.js";
import { ARTICLES, articleAt } from "./content.js";
import type { CsvTableWriter } from "./csv-writer.js";
import { PLANTED_STRENGTH, periodSeconds } from "./planted-patterns.js";
import { mix32, Random, Weighted } from "./random.js";
import type { SizePreset } from "./sizes.js";
import {
  DAY_SECONDS,
  formatTimestamp,
  growthOf,
  HOUR_SECONDS,
  isWeekend,
  RANGE_DAYS,
  RANGE_END,
  weekdayOf,
} from "./time.js";

export const POST_FIELDS = ["id", "network", "published_at", "url", "utm_campaign"] as const;
export const POST_SNAPSHOT_FIELDS = ["post_id", "captured_at", "shares", "impressions"] as const;
export const FOLLOWER_FIELDS = ["network", "captured_at", "followers"] as const;

type NetworkProfile = {
  /** Share of the company's posts. */
  posts: number;
  /** Followers at the start of the range (size s). */
  followers: number;
  /** Shares a typical post gets (size s, start of the range). */
  shares: number;
  /** Impressions per follower of a typical post. */
  reach: number;
  postUrl: (id: number) => string;
};

const hex = (n: number, digits: number) => n.toString(16).padStart(digits, "0").slice(-digits);

const NETWORK_PROFILES: Record<(typeof SOCIAL_NETWORKS)[number], NetworkProfile> = {
  linkedin: {
    posts: 40,
    followers: 3_200,
    shares: 12,
    reach: 0.35,
    postUrl: (id) => `https://www.linkedin.com/feed/update/urn:li:activity:71${String(id).padStart(17, "0")}`,
  },
  twitter: {
    posts: 20,
    followers: 1_800,
    shares: 6,
    reach: 0.5,
    postUrl: (id) => `https://x.com/brightwater/status/17${String(id).padStart(17, "0")}`,
  },
  facebook: {
    posts: 12,
    followers: 900,
    shares: 4,
    reach: 0.15,
    postUrl: (id) => `https://www.facebook.com/brightwatersystems/posts/pfbid0${hex(id, 12)}`,
  },
  instagram: {
    posts: 12,
    followers: 700,
    shares: 5,
    reach: 0.3,
    postUrl: (id) => `https://www.instagram.com/p/C${hex(mix32(id), 8)}${hex(id, 2)}/`,
  },
  youtube: {
    posts: 8,
    followers: 400,
    shares: 3,
    reach: 0.8,
    postUrl: (id) => `https://www.youtube.com/watch?v=bw${hex(mix32(id), 8)}X`,
  },
  other: {
    posts: 8,
    followers: 150,
    shares: 2,
    reach: 0.6,
    postUrl: (id) => `https://mastodon.social/@brightwater/11${String(id).padStart(16, "0")}`,
  },
};

const profiles = SOCIAL_NETWORKS.map((n) => NETWORK_PROFILES[n]);
/** Read a post's counters this many days after publishing. */
const SNAPSHOT_DAYS = [1, 7, 14, 21, 28] as const;
/** First follower reading: the first Monday of the range, 06:00 UTC; then weekly. */
const FIRST_WEEKLY_READ = (() => {
  let day = 0;
  while (weekdayOf(day) !== 1) day++;
  return day * DAY_SECONDS + 6 * HOUR_SECONDS;
})();

export type SocialPlan = {
  /** Per post, in publishing order. */
  network: Int32Array;
  publishedAt: Int32Array;
  article: Int32Array;
  campaign: string[];
  /** Per network, the indexes of its posts in publishing order. */
  postsByNetwork: number[][];
  /** followers[network][week]: followers at FIRST_WEEKLY_READ + week * 7 days. */
  followers: number[][];
  /** The follower giveaway's [first, last] second (empty when not planted). */
  giveaway: [number, number];
};

function weeklyGrowth(t: number, giveaway: [number, number], rng: Random): number {
  const inGiveaway = t >= giveaway[0] && t <= giveaway[1];
  const growth = inGiveaway ? PLANTED_STRENGTH.followerGiveaway.weeklyGrowth : 0.0025;
  return 1 + growth + rng.normal() * 0.0008;
}

function engagementAt(t: number, giveaway: [number, number]): number {
  const years = t / (365 * DAY_SECONDS);
  const base = 1 + 0.08 * years;
  return t >= giveaway[0] && t <= giveaway[1] ? base * PLANTED_STRENGTH.followerGiveaway.engagement : base;
}

/** `planted` false: no follower giveaway (planted-patterns.ts). */
export function planSocial(preset: SizePreset, seed: number, planted = true): SocialPlan {
  const rng = new Random(seed, "social");
  const giveaway = periodSeconds("follower-giveaway", planted);
  const weeks = Math.floor((RANGE_END - FIRST_WEEKLY_READ) / (7 * DAY_SECONDS)) + 1;
  const followers = profiles.map((profile) => {
    const series: number[] = [];
    let f = profile.followers * preset.audienceScale * rng.logNormal(1, 0.1);
    for (let w = 0; w < weeks; w++) {
      series.push(Math.round(f));
      f *= weeklyGrowth(FIRST_WEEKLY_READ + w * 7 * DAY_SECONDS, giveaway, rng);
    }
    return series;
  });

  // Posts go out on working days, a little more often as the company grows.
  const dayWeights: number[] = [];
  for (let d = 0; d < RANGE_DAYS; d++) dayWeights.push(isWeekend(d) ? 0.05 : growthOf(d, preset.steady));
  const totalWeight = dayWeights.reduce((a, b) => a + b, 0);
  const networkChoice = new Weighted(profiles.map((p) => p.posts));
  const network: number[] = [];
  const publishedAt: number[] = [];
  const article: number[] = [];
  const campaign: string[] = [];
  for (let d = 0; d < RANGE_DAYS; d++) {
    const n = rng.roundStochastic((preset.socialPosts * (dayWeights[d] ?? 0)) / totalWeight);
    const times: number[] = [];
    for (let k = 0; k < n; k++) times.push(d * DAY_SECONDS + 7 * HOUR_SECONDS + rng.int(8 * HOUR_SECONDS));
    times.sort((a, b) => a - b);
    for (const t of times) {
      // An article is usually promoted on more than one network, so campaigns repeat across posts.
      const previous = article[article.length - 1];
      const a = previous !== undefined && rng.chance(0.35) ? previous : rng.int(ARTICLES.length);
      network.push(networkChoice.index(rng));
      publishedAt.push(t);
      article.push(a);
      campaign.push(`blog-${articleAt(a).slug}`);
    }
  }
  // Every network needs a post near the start, so social traffic always has a campaign to carry.
  SOCIAL_NETWORKS.forEach((_, n) => {
    if (!network.slice(0, 40).includes(n)) {
      network.unshift(n);
      publishedAt.unshift(n * HOUR_SECONDS + 9 * HOUR_SECONDS);
      article.unshift(n);
      campaign.unshift(`blog-${articleAt(n).slug}`);
    }
  });
  const order = publishedAt.map((_, i) => i).sort((a, b) => (publishedAt[a] ?? 0) - (publishedAt[b] ?? 0) || a - b);
  const plan: SocialPlan = {
    network: Int32Array.from(order, (i) => network[i] ?? 0),
    publishedAt: Int32Array.from(order, (i) => publishedAt[i] ?? 0),
    article: Int32Array.from(order, (i) => article[i] ?? 0),
    campaign: order.map((i) => campaign[i] ?? ""),
    postsByNetwork: SOCIAL_NETWORKS.map(() => []),
    followers,
    giveaway,
  };
  plan.network.forEach((n, i) => {
    plan.postsByNetwork[n]?.push(i);
  });
  return plan;
}

/** The post on `network` a visitor arriving at `t` most likely came from (-1: none yet). */
export function recentPost(plan: SocialPlan, network: number, t: number, rng: Random): number {
  const posts = plan.postsByNetwork[network] ?? [];
  let low = 0;
  let high = posts.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if ((plan.publishedAt[posts[mid] ?? 0] ?? 0) <= t) low = mid + 1;
    else high = mid;
  }
  if (low === 0) return -1;
  // Mostly the latest post, sometimes one of the two before it.
  const back = Math.min(low - 1, rng.chance(0.7) ? 0 : rng.int(3));
  return posts[low - 1 - back] ?? -1;
}

function followersAt(plan: SocialPlan, network: number, t: number): number {
  const series = plan.followers[network] ?? [];
  const week = Math.max(0, Math.min(series.length - 1, Math.floor((t - FIRST_WEEKLY_READ) / (7 * DAY_SECONDS))));
  return series[week] ?? 0;
}

export type SocialWriters = {
  posts: CsvTableWriter;
  postSnapshots: CsvTableWriter;
  followerSnapshots: CsvTableWriter;
};

export async function writeSocial(
  plan: SocialPlan,
  preset: SizePreset,
  seed: number,
  out: SocialWriters,
): Promise<void> {
  const rng = new Random(seed, "social-engagement");
  const scale = Math.sqrt(preset.audienceScale);
  for (let i = 0; i < plan.publishedAt.length; i++) {
    const n = plan.network[i] ?? 0;
    const profile = profiles[n];
    const at = plan.publishedAt[i] ?? 0;
    if (!profile) continue;
    const id = `post-${String(i + 1).padStart(5, "0")}`;
    out.posts.row([
      id,
      SOCIAL_NETWORKS[n] ?? "other",
      formatTimestamp(at),
      profile.postUrl(mix32(i ^ seed) % 1_000_000_000),
      plan.campaign[i] ?? "",
    ]);
    const audience = followersAt(plan, n, at);
    const quality = rng.logNormal(1, 0.4);
    const growth = Math.sqrt(audience / (profile.followers * preset.audienceScale));
    const finalShares = profile.shares * scale * growth * engagementAt(at, plan.giveaway) * quality;
    const finalImpressions = audience * profile.reach * Math.sqrt(quality) * rng.logNormal(1, 0.25);
    for (const days of SNAPSHOT_DAYS) {
      const when = at + days * DAY_SECONDS;
      if (when > RANGE_END) break;
      // Counters are cumulative: most shares in the first days, impressions faster still.
      const shares = Math.round(finalShares * (1 - Math.exp(-days / 2)));
      const impressions = Math.round(finalImpressions * (1 - Math.exp(-days / 1.2)));
      out.postSnapshots.row([id, formatTimestamp(when), String(shares), String(impressions)]);
    }
  }
  plan.followers.forEach((series, n) => {
    series.forEach((count, week) => {
      const when = FIRST_WEEKLY_READ + week * 7 * DAY_SECONDS;
      if (when <= RANGE_END)
        out.followerSnapshots.row([SOCIAL_NETWORKS[n] ?? "other", formatTimestamp(when), String(count)]);
    });
  });
  await Promise.all([out.posts.drain(), out.postSnapshots.drain(), out.followerSnapshots.drain()]);
}
