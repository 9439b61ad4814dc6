/**
 * Segment previews of a workspace run one after the other (routes/campaigns.ts): two people
 * opening the campaigns page at once both get their preview; more than four waiting is a 429;
 * a preview that fails lets the next one run; another workspace does not wait.
 */
import { expect, test } from "vitest";
import { ApiError } from "../errors.js";
import { onePreviewAtATime } from "./campaigns.js";

test("previews run one at a time per workspace, four may wait, a failure frees the line", async () => {
  let running = 0;
  let most = 0;
  const order: number[] = [];
  const work =
    (i: number, fail = false) =>
    async () => {
      running += 1;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, 20));
      running -= 1;
      order.push(i);
      if (fail) throw new Error(`preview ${i} failed`);
      return i;
    };
  const calls = [0, 1, 2, 3, 4, 5].map((i) => onePreviewAtATime("w", work(i, i === 1)));
  // Another workspace runs beside them.
  const other = onePreviewAtATime("v", work(9));
  const settled = await Promise.allSettled([...calls, other]);
  expect(settled.map((s) => s.status)).toEqual([
    "fulfilled",
    "rejected",
    "fulfilled",
    "fulfilled",
    "fulfilled",
    "rejected",
    "fulfilled",
  ]);
  expect((settled[1] as PromiseRejectedResult).reason.message).toBe("preview 1 failed");
  const refused = (settled[5] as PromiseRejectedResult).reason;
  expect(refused).toBeInstanceOf(ApiError);
  expect(refused.status).toBe(429);
  expect(order.filter((i) => i !== 9)).toEqual([0, 1, 2, 3, 4]);
  expect(most).toBe(2); // w's one at a time, beside v's
  // The line is empty again: a new preview runs at once.
  expect(await onePreviewAtATime("w", work(7))).toBe(7);
});
