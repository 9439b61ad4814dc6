import { describe, expect, it } from "vitest";
import {
  decoyHash,
  HASH_CONCURRENCY,
  hashingStats,
  hashPassword,
  PasswordHashingBusy,
  verifyPassword,
} from "./secrets.js";

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

describe("password hashing at production cost", () => {
  // Test files about who may sign in hash at a test cost (test/support/test-scrypt.ts); this
  // file is not among them, so what a stored hash costs an attacker is checked here.
  it("hashes with scrypt N = 2^15, r = 8, p = 1, verifies the password and only it, and the decoy costs the same", async () => {
    const hash = await hashPassword("correct horse battery");
    const [scheme, n, r, p, salt, key] = hash.split("$");
    expect([scheme, n, r, p]).toEqual(["scrypt", "32768", "8", "1"]);
    expect(Buffer.from(salt ?? "", "base64url")).toHaveLength(16);
    expect(Buffer.from(key ?? "", "base64url")).toHaveLength(32);
    expect(await verifyPassword("correct horse battery", hash)).toBe(true);
    expect(await verifyPassword("correct horse batterY", hash)).toBe(false);
    // An unknown email is checked against the decoy: the same cost, or the time would tell.
    expect((await decoyHash()).split("$").slice(0, 4)).toEqual(["scrypt", "32768", "8", "1"]);
  });
});
