/**
 * The check's pairs of one period as a request of the server gets them (through the kept
 * results), with the statements that ran for them; and the same computed with nothing kept.
 * For the tests of what a write leaves kept (test/data-since.test.ts, test/tracking-since.test.ts).
 */
import { measurePairs } from "../../src/insights/vanity-check.js";
import { resolveRequest } from "../../src/metrics/context.js";
import type { Store } from "../../src/store/store.js";
import { withEnv } from "./env.js";

export type Measures = Awaited<ReturnType<typeof measurePairs>>;

export type PairsAsked = { workspace: string; period: string; pipeline?: string };

const requestOf = ({ workspace, period, pipeline }: PairsAsked) => ({
  workspace,
  period,
  ...(pipeline ? { pipeline } : {}),
});

/**
 * The pairs as served, and the text of every statement run for them except those `ignore`
 * matches. resolveRequest reads through the workspace's kept values (cachedReads), as the
 * server's routes do; its own reads (the data ranges) come before the recording starts.
 */
export async function servedPairs(
  store: Store,
  asked: PairsAsked,
  ignore?: RegExp,
): Promise<{ pairs: Measures; ran: string[] }> {
  const request = await resolveRequest(store, requestOf(asked));
  const { value: pairs, ran } = await statementsRun(store, () => measurePairs(request.current));
  return { pairs, ran: ignore ? ran.filter((text) => !ignore.test(text)) : ran };
}

/** What `work` returns, and the text of every statement it ran through `store.query`. */
export async function statementsRun<T>(store: Store, work: () => Promise<T>): Promise<{ value: T; ran: string[] }> {
  const ran: string[] = [];
  const query = store.query;
  store.query = ((statement) => {
    ran.push(statement.compile().text);
    return query.call(store, statement);
  }) as typeof query;
  try {
    return { value: await work(), ran };
  } finally {
    store.query = query;
  }
}

/** The same pairs computed from the store itself, nothing kept (VERITY_READ_CACHE=off). */
export async function freshPairs(store: Store, asked: PairsAsked): Promise<Measures> {
  return withEnv("VERITY_READ_CACHE", "off", async () => {
    const request = await resolveRequest(store, requestOf(asked));
    return await measurePairs(request.current);
  });
}
