import { describe, expect, it } from "vitest";
import { DatabaseConnectionError, isConnectionError, isEngineUnavailable } from "./errors.js";

const coded = (code: string, message = code) => Object.assign(new Error(message), { code });

describe("what the tracking writer waits out: one list with the store's lost connections", () => {
  it("every lost connection isConnectionError knows is an unavailable engine (the writer's own list missed some)", () => {
    // Node reports a connection refused at every address of a host as one AggregateError
    // without a code of its own: the writer's separate list took it for the batch's fault.
    const refused = new AggregateError([coded("ECONNREFUSED"), coded("ECONNREFUSED")], "");
    for (const error of [
      refused,
      new DatabaseConnectionError("lost", coded("57P01")),
      coded("08006"),
      coded("57P05"),
      coded("25P03"),
      coded("ETIMEDOUT"),
      new Error("Connection terminated unexpectedly"),
      new Error("wrapped", { cause: refused }),
    ]) {
      expect(isConnectionError(error), String(error)).toBe(true);
      expect(isEngineUnavailable(error), String(error)).toBe(true);
    }
  });

  it("an engine out of resources or asking for the work again is unavailable, not a lost connection", () => {
    for (const error of [
      coded("53100", "could not extend file: No space left on device"),
      coded("40P01", "deadlock detected"),
      coded("40001"),
      coded("57P04", "database dropped"),
      new Error("IO Error: Could not write file"),
      new Error("Out of Memory Error: failed to allocate"),
      new Error("batch failed", { cause: new Error("FATAL Error: database invalidated") }),
    ]) {
      expect(isEngineUnavailable(error), String(error)).toBe(true);
      expect(isConnectionError(error), String(error)).toBe(false);
    }
  });

  it("a value or statement the engine refuses is neither", () => {
    for (const error of [
      coded("22021", 'invalid byte sequence for encoding "UTF8": 0x00'),
      coded("23505", "duplicate key value"),
      new Error("Constraint Error: NOT NULL constraint failed: tracked_events.type"),
      new Error("Conversion Error: could not convert string"),
      null,
      "IO Error: a string is not an error",
    ]) {
      expect(isEngineUnavailable(error), String(error)).toBe(false);
      expect(isConnectionError(error), String(error)).toBe(false);
    }
  });
});
