/**
 * Records one generation phase hands to a later one, kept as columns of integers so that
 * size l stays in bounded memory:
 * - the leads phase decides which visit created each web-sourced lead (ConversionLog) and
 *   which newsletter click preceded each newsletter lead (ClickLog of forced clicks);
 * - the newsletter phase then writes every click (ClickLog), and the web phase turns
 *   conversions and clicks into visits.
 */
import { GrowableInt32 } from "./growable-array.js";

/** Where a converting visit landed: 0 demo request, 1 contact form, 2 pricing, 3 the gated report. */
export const LANDING_REPORT = 3;

export type Conversion = {
  /** Start of the visit; the lead is created a few minutes later, on the same day. */
  time: number;
  lead: number;
  /** Visit channel (VISIT in channels.ts). */
  channel: number;
  campaign: number;
  variant: number;
  landing: number;
  /** Prefer a visitor who has been here before. */
  returning: boolean;
};

/** A log's columns as plain arrays, to cross to a worker thread. */
export type Columns<K extends string> = Record<K, Int32Array>;

const CONVERSION_COLUMNS = ["time", "lead", "channel", "campaign", "packed"] as const;
const CLICK_COLUMNS = ["time", "subscriber", "issue", "link", "lead"] as const;
export type ConversionColumns = Columns<(typeof CONVERSION_COLUMNS)[number]>;

export class ConversionLog {
  private readonly time: GrowableInt32;
  private readonly lead: GrowableInt32;
  private readonly channel: GrowableInt32;
  private readonly campaign: GrowableInt32;
  /** variant * 16 + landing * 2 + returning. */
  private readonly packed: GrowableInt32;

  constructor(columns?: ConversionColumns) {
    const column = (name: (typeof CONVERSION_COLUMNS)[number]) =>
      columns ? GrowableInt32.of(columns[name]) : new GrowableInt32();
    this.time = column("time");
    this.lead = column("lead");
    this.channel = column("channel");
    this.campaign = column("campaign");
    this.packed = column("packed");
  }

  columns(): ConversionColumns {
    return {
      time: this.time.toArray(),
      lead: this.lead.toArray(),
      channel: this.channel.toArray(),
      campaign: this.campaign.toArray(),
      packed: this.packed.toArray(),
    };
  }

  get length(): number {
    return this.time.length;
  }

  add(c: Conversion): void {
    this.time.push(c.time);
    this.lead.push(c.lead);
    this.channel.push(c.channel);
    this.campaign.push(c.campaign);
    this.packed.push(c.variant * 16 + c.landing * 2 + (c.returning ? 1 : 0));
  }

  timeAt(i: number): number {
    return this.time.get(i);
  }

  at(i: number): Conversion {
    const packed = this.packed.get(i);
    return {
      time: this.time.get(i),
      lead: this.lead.get(i),
      channel: this.channel.get(i),
      campaign: this.campaign.get(i),
      variant: packed >> 4,
      landing: (packed >> 1) & 7,
      returning: (packed & 1) === 1,
    };
  }
}

export type Click = {
  time: number;
  subscriber: number;
  issue: number;
  /** Index in NEWSLETTER_LINKS (the link's utm_content). */
  link: number;
  /** Lead created from the visit this click opened (-1: none). */
  lead: number;
};

export class ClickLog {
  private readonly time: GrowableInt32;
  private readonly subscriber: GrowableInt32;
  private readonly issue: GrowableInt32;
  private readonly link: GrowableInt32;
  private readonly lead: GrowableInt32;
  private order: Int32Array | undefined;

  constructor(columns?: Columns<(typeof CLICK_COLUMNS)[number]>) {
    const column = (name: (typeof CLICK_COLUMNS)[number]) =>
      columns ? GrowableInt32.of(columns[name]) : new GrowableInt32();
    this.time = column("time");
    this.subscriber = column("subscriber");
    this.issue = column("issue");
    this.link = column("link");
    this.lead = column("lead");
  }

  columns(): Columns<(typeof CLICK_COLUMNS)[number]> {
    return {
      time: this.time.toArray(),
      subscriber: this.subscriber.toArray(),
      issue: this.issue.toArray(),
      link: this.link.toArray(),
      lead: this.lead.toArray(),
    };
  }

  get length(): number {
    return this.time.length;
  }

  add(c: Click): number {
    this.order = undefined;
    this.time.push(c.time);
    this.subscriber.push(c.subscriber);
    this.issue.push(c.issue);
    this.link.push(c.link);
    this.lead.push(c.lead);
    return this.time.length - 1;
  }

  at(i: number): Click {
    return {
      time: this.time.get(i),
      subscriber: this.subscriber.get(i),
      issue: this.issue.get(i),
      link: this.link.get(i),
      lead: this.lead.get(i),
    };
  }

  /** Record indexes in time order (ties by record order, so the result is deterministic). */
  inTimeOrder(): Int32Array {
    if (!this.order) {
      const order = new Int32Array(this.length);
      for (let i = 0; i < order.length; i++) order[i] = i;
      const time = this.time;
      order.sort((a, b) => time.get(a) - time.get(b) || a - b);
      this.order = order;
    }
    return this.order;
  }
}

/**
 * Newsletter leads whose click must appear in email_events: (issue, subscriber) -> the
 * forced click's record in a ClickLog.
 */
export type ForcedClickColumns = {
  subscribers: number;
  clicks: Columns<(typeof CLICK_COLUMNS)[number]>;
  converted: Int32Array;
};

export class ForcedClicks {
  readonly clicks: ClickLog;
  /** Whether the click's visit created the lead (otherwise the lead came days later). */
  readonly converted: GrowableInt32;
  private readonly byPair = new Map<number, number>();
  private readonly subscribers: number;

  constructor(subscribers: number, columns?: ForcedClickColumns) {
    this.subscribers = subscribers;
    this.clicks = new ClickLog(columns?.clicks);
    this.converted = columns ? GrowableInt32.of(columns.converted) : new GrowableInt32();
    for (let i = 0; i < this.clicks.length; i++) {
      const click = this.clicks.at(i);
      this.byPair.set(click.issue * subscribers + click.subscriber, i);
    }
  }

  columns(): ForcedClickColumns {
    return { subscribers: this.subscribers, clicks: this.clicks.columns(), converted: this.converted.toArray() };
  }

  has(issue: number, subscriber: number): boolean {
    return this.byPair.has(issue * this.subscribers + subscriber);
  }

  add(click: Click, converted: boolean): void {
    this.byPair.set(click.issue * this.subscribers + click.subscriber, this.clicks.add(click));
    this.converted.push(converted ? 1 : 0);
  }

  find(issue: number, subscriber: number): number {
    return this.byPair.get(issue * this.subscribers + subscriber) ?? -1;
  }
}
