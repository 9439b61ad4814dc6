import { describe, expect, test } from "vitest";
import { withEnv } from "../../test/support/env.js";
import { requestOf } from "../metrics/request.js";
import { HomeWarmer, VIEWED_WITHIN_MS } from "./home-warmer.js";
import { createLogger } from "./logger.js";

/** The check of `workspace` as a home asks it. */
const ask = (workspace: string) => requestOf(workspace, {});

/** A warmer whose preparations wait until released, recording which workspaces they ran for. */
function warmer(now: () => number, fail: ReadonlySet<string> = new Set()) {
  const ran: string[] = [];
  const gates: (() => void)[] = [];
  const lines: string[] = [];
  const logger = createLogger("warn", { write: (line: string) => void lines.push(line) });
  const w = new HomeWarmer(
    async (request) => {
      const workspace = request.workspace;
      ran.push(workspace);
      await new Promise<void>((resolve) => gates.push(resolve));
      if (fail.has(workspace)) throw new Error(`no ${workspace}`);
      return true;
    },
    logger,
    now,
  );
  /** Lets every waiting preparation finish, one after another, until none is left. */
  const release = async () => {
    for (;;) {
      // The next preparation starts once the last one's promise has settled.
      await new Promise((resolve) => setImmediate(resolve));
      const gate = gates.shift();
      if (!gate) break;
      gate();
    }
    await w.idle();
  };
  return { w, ran, lines, release };
}

describe("HomeWarmer", () => {
  test("prepares only workspaces whose check was asked within the window", async () => {
    let clock = 1_000_000;
    const { w, ran, release } = warmer(() => clock);
    w.written("never-asked");
    w.asked(ask("a"));
    w.asked(ask("b"));
    clock += VIEWED_WITHIN_MS + 1;
    w.asked(ask("a"));
    w.written("a");
    w.written("b");
    await release();
    expect(ran).toEqual(["a"]);
    expect(w.prepared).toBe(1);
  });

  test("one preparation at a time; writes during it queue one more per workspace, never more", async () => {
    const { w, ran, release } = warmer(() => 0);
    w.asked(ask("a"));
    w.asked(ask("b"));
    w.written("a");
    w.written("a");
    w.written("b");
    w.written("a");
    // "a" runs; "a" (once) and "b" wait, in the order of their first writes since.
    expect(ran).toEqual(["a"]);
    await release();
    expect(ran).toEqual(["a", "a", "b"]);
    expect(w.prepared).toBe(3);
  });

  test("a write during a preparation tells the running one to give up; the queued one starts", async () => {
    const stops: (() => boolean)[] = [];
    let finish = () => {};
    const w = new HomeWarmer(async (_request, stopped) => {
      stops.push(stopped);
      await new Promise<void>((resolve) => {
        finish = resolve;
      });
      return !stopped();
    }, createLogger("silent"));
    w.asked(ask("a"));
    w.written("a");
    expect(stops.map((stopped) => stopped())).toEqual([false]);
    w.written("a");
    expect(stops.map((stopped) => stopped())).toEqual([true]);
    finish();
    await new Promise((resolve) => setImmediate(resolve));
    expect(stops.map((stopped) => stopped())).toEqual([true, false]);
    finish();
    await w.idle();
    // The first gave up (not counted), the second finished.
    expect(w.prepared).toBe(1);
  });

  test("a write while a first check is answered is prepared once the answer is given", async () => {
    const { w, ran, release } = warmer(() => 0);
    const before = w.writesOf("a");
    w.written("a"); // nobody had asked yet: nothing to prepare
    await release();
    expect(ran).toEqual([]);
    w.asked(ask("a"), before);
    await release();
    expect(ran).toEqual(["a"]);
    // Without a write in between, an answer prepares nothing.
    const now = w.writesOf("a");
    w.asked(ask("a"), now);
    await release();
    expect(ran).toEqual(["a"]);
  });

  test("prepares the check as it was last asked", async () => {
    const asked: string[] = [];
    const w = new HomeWarmer(async (request) => {
      asked.push(`${request.workspace} ${request.period ?? "default"}`);
      return true;
    }, createLogger("silent"));
    w.asked(requestOf("a", { period: "2026-Q1" }));
    w.asked(requestOf("a", { period: "2025-12" }));
    w.written("a");
    await w.idle();
    expect(asked).toEqual(["a 2025-12"]);
  });

  test("a failed preparation is logged and the next one still runs", async () => {
    const { w, ran, lines, release } = warmer(() => 0, new Set(["bad"]));
    w.asked(ask("bad"));
    w.asked(ask("good"));
    w.written("bad");
    w.written("good");
    await release();
    expect(ran).toEqual(["bad", "good"]);
    expect(w.prepared).toBe(1);
    expect(lines.join("")).toContain("preparing the dashboard home after a write failed");
  });

  test("with the kept results off nothing is prepared", async () => {
    const { w, ran, release } = warmer(() => 0);
    w.asked(ask("a"));
    await withEnv("VERITY_READ_CACHE", "off", () => w.written("a"));
    await release();
    expect(ran).toEqual([]);
    w.written("a");
    await release();
    expect(ran).toEqual(["a"]);
  });

  test("after stop nothing new is prepared and the queue is dropped", async () => {
    const { w, ran, release } = warmer(() => 0);
    w.asked(ask("a"));
    w.asked(ask("b"));
    w.written("a");
    w.written("b");
    const stopped = w.stop();
    await release();
    await stopped;
    w.written("a");
    await w.idle();
    expect(ran).toEqual(["a"]);
  });
});
