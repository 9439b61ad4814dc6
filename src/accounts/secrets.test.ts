import { describe, expect, it } from "vitest";
import { decoyHash, HASH_CONCURRENCY, hashingStats, hashPassword, PasswordHashingBusy } from "./secrets.js";

describe("password hashing under its bound", () => {
  it("a decoy hash refused while the hashing queue was full is made later, not refused for good", async () => {
    // Fill the bound: HASH_CONCURRENCY running, the rest waiting, until one more is refused.
    const busy: Promise<string>[] = [];
    const refusedBefore = hashingStats().refused;
    while (hashingStats().refused === refusedBefore) {
      busy.push(hashPassword("a password being hashed"));
      if (busy.length > HASH_CONCURRENCY + 100) throw new Error("the hashing queue never filled");
    }
    const settled = Promise.allSettled(busy);
    // The first sign-in with an unknown email asks for the decoy now, and is told "busy"...
    await expect(decoyHash()).rejects.toBeInstanceOf(PasswordHashingBusy);
    await settled;
    // ...but that must not stick: the decoy memoized as a rejection made every later sign-in
    // with an unknown email a 503 (and a known one a 401: who is a user, told by the status).
    const decoy = await decoyHash();
    expect(decoy).toMatch(/^scrypt\$/);
    expect(await decoyHash()).toBe(decoy);
  });
});
