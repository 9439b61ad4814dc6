/**
 * Password hashing at a test cost, for test files whose subject is who may sign in and what a
 * session may do, not what a hash costs:
 *
 *   import { vi } from "vitest";
 *   vi.mock("node:crypto", async (importOriginal) =>
 *     (await import("./support/test-scrypt.js")).withTestScrypt(await importOriginal()),
 *   );
 *
 * Every scrypt of the file (src/accounts/secrets.ts hashing and verifying, the decoy, the
 * hashing bound around them) runs as written, with a memory cost of TEST_SCRYPT_N instead of the
 * one it asks for: about 30 times cheaper, where production's (N = 2^15, ~0.2 s of CPU on CI's
 * machines) made sign-ins most of such a file's time. The hashes still say the cost they were
 * asked for, so a password verifies against its hash as in production (the same clamp on both
 * sides), and a wrong one does not.
 *
 * What depends on the cost itself is tested at production cost: src/accounts/secrets.test.ts
 * (not mocked) checks the cost a hash is made with and that it verifies, and a test that needs
 * hashes to take their real time (sign-ins flooding the hashing bound) calls
 * productionScrypt() for that part.
 */
import type * as Crypto from "node:crypto";

/** scrypt's memory cost in a file that uses withTestScrypt (production asks for 2^15). */
export const TEST_SCRYPT_N = 2 ** 10;

let production = false;

/** Until `run` settles, scrypt runs at the cost asked for (production's). */
export async function productionScrypt<T>(run: () => Promise<T>): Promise<T> {
  production = true;
  try {
    return await run();
  } finally {
    production = false;
  }
}

/** The N a scrypt asked for `n` runs with now. */
export function scryptCost(n: number): number {
  return production ? n : Math.min(n, TEST_SCRYPT_N);
}

/** node:crypto with scrypt at the test cost (the module vi.mock's factory returns). */
export function withTestScrypt(actual: typeof Crypto): typeof Crypto {
  const scrypt = ((password, salt, keylen, ...rest: unknown[]) => {
    const callback = rest.pop() as (error: Error | null, key: Buffer) => void;
    const options = (rest[0] ?? {}) as Crypto.ScryptOptions;
    const n = options.N ?? options.cost ?? 16_384;
    const { cost: _cost, ...named } = options;
    actual.scrypt(password, salt, keylen, { ...named, N: scryptCost(n) }, callback);
  }) as typeof Crypto.scrypt;
  const crypto = { ...actual, scrypt };
  return { ...crypto, default: crypto } as typeof Crypto;
}
