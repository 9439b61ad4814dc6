/** How big the simulated company is. Every other table scales from these figures. */

export type SimulationSize = "s" | "m" | "l" | "xl";

export type SizePreset = {
  /** Leads created over the three years. */
  leads: number;
  reps: number;
  /** Sales teams (each with its own region). */
  teams: number;
  /** Customer companies leads are drawn from (more leads than accounts: repeat business). */
  accounts: number;
  /** Distinct website visitors arriving over the range (before newsletter clickers and converters). */
  visitors: number;
  /** Activities per lead, on average (lead-less activities come on top). */
  activitiesPerLead: number;
  /** Newsletter subscribers who ever subscribed. */
  subscribers: number;
  socialPosts: number;
  /** Multiplies the company's social audience (followers, and with them impressions and shares). */
  audienceScale: number;
  /**
   * A flat company: no growth, no quiet seasons, no trade fairs (simulate's `steady`). Only
   * for null simulations, where any change over time would be a real one.
   */
  steady?: boolean;
};

export const SIZE_PRESETS: Readonly<Record<SimulationSize, SizePreset>> = {
  // Small enough to generate in well under a second for `verity demo`.
  s: {
    leads: 2_000,
    reps: 8,
    teams: 2,
    accounts: 1_200,
    visitors: 4_500,
    activitiesPerLead: 10,
    subscribers: 2_000,
    socialPosts: 500,
    audienceScale: 1,
  },
  m: {
    leads: 100_000,
    reps: 40,
    teams: 3,
    accounts: 40_000,
    visitors: 140_000,
    activitiesPerLead: 10,
    subscribers: 30_000,
    socialPosts: 1_500,
    audienceScale: 6,
  },
  l: {
    leads: 1_000_000,
    reps: 200,
    teams: 4,
    accounts: 250_000,
    visitors: 1_400_000,
    activitiesPerLead: 10,
    subscribers: 150_000,
    socialPosts: 3_000,
    audienceScale: 25,
  },
  // Four times l, for the benchmarks' cost curve (issue 17): ~19 GB of CSV files. Accounts
  // stop at the names the simulator can make (368,640), so leads repeat per account more often.
  xl: {
    leads: 4_000_000,
    reps: 800,
    teams: 6,
    accounts: 360_000,
    visitors: 5_600_000,
    activitiesPerLead: 10,
    subscribers: 600_000,
    socialPosts: 6_000,
    audienceScale: 100,
  },
};
