/**
 * rowsOf reads a DuckDB result column by column for speed; what it returns must be exactly
 * what the driver's row objects normalised gave (normalize.ts), for every type a statement
 * can return, nulls, several chunks and repeated column names included.
 */
import { DuckDBInstance, type DuckDBResultReader } from "@duckdb/node-api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rowsOf } from "./duckdb-rows.js";
import { normalizeRow } from "./normalize.js";

let instance: DuckDBInstance;
const read = async (text: string): Promise<DuckDBResultReader> => {
  const connection = await instance.connect();
  try {
    return await connection.runAndReadAll(text);
  } finally {
    connection.closeSync();
  }
};
/** The way every row was read before rowsOf. */
const driverRows = (reader: DuckDBResultReader) => reader.getRowObjectsJS().map((row) => normalizeRow(row));

beforeAll(async () => {
  instance = await DuckDBInstance.create(":memory:");
});
afterAll(() => instance.closeSync());

describe("rowsOf", () => {
  it("equals the driver's row objects normalised, for every type and with nulls", async () => {
    const reader = await read(`
      SELECT * FROM (VALUES
        ('plain', TRUE, 1::TINYINT, -2::SMALLINT, 3::INTEGER, 9007199254740993::BIGINT, 18446744073709551615::UBIGINT,
         170141183460469231731687303715884105727::HUGEINT, 255::UTINYINT, 65535::USMALLINT, 4294967295::UINTEGER,
         1.5::FLOAT, 'NaN'::DOUBLE, 12.34::DECIMAL(4, 2), 123456789012345678.1234567891::DECIMAL(38, 10),
         TIMESTAMP '2026-07-01 12:34:56.789', TIMESTAMP '1901-02-03 04:05:06', DATE '2026-12-07', DATE '1960-01-01',
         TIMESTAMPTZ '2026-03-01 10:00:00+02', TIME '12:00:01', INTERVAL 3 DAY, [1, 2, 3], {'a': 1, 'b': 'x'},
         'a1b2c3d4-0000-4000-8000-000000000000'::UUID, '\\x00\\xFF'::BLOB, 'small'::ENUM('small', 'large'), 2::BIGINT),
        ('ünïcödé – ✓', FALSE, (-128)::TINYINT, 32767::SMALLINT, (-2147483648)::INTEGER, (-42)::BIGINT, 0::UBIGINT,
         (-5)::HUGEINT, 0::UTINYINT, 0::USMALLINT, 0::UINTEGER,
         (-0.0)::FLOAT, 'Infinity'::DOUBLE, (-0.01)::DECIMAL(4, 2), 0::DECIMAL(38, 10),
         TIMESTAMP '1970-01-01 00:00:00', TIMESTAMP '2262-04-11 23:47:16.854', DATE '1970-01-01', DATE '9999-12-31',
         TIMESTAMPTZ '1999-12-31 23:59:59.999+00', TIME '00:00:00', INTERVAL 90 MINUTE, [], {'a': NULL, 'b': NULL},
         NULL, ''::BLOB, 'large'::ENUM('small', 'large'), 9007199254740991::BIGINT),
        (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
         NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
        ('', TRUE, 0::TINYINT, 0::SMALLINT, 0::INTEGER, (-9007199254740993)::BIGINT, 1::UBIGINT,
         (-170141183460469231731687303715884105727)::HUGEINT, 1::UTINYINT, 1::USMALLINT, 1::UINTEGER,
         3.4e38::FLOAT, (-1e308)::DOUBLE, 99.99::DECIMAL(4, 2), (-1)::DECIMAL(38, 10),
         TIMESTAMP '0001-01-01 00:00:00', TIMESTAMP '2026-12-07 23:59:59.999999', DATE '0001-01-01', DATE '2000-02-29',
         NULL, NULL, NULL, [NULL], NULL, NULL, NULL, NULL, 0::BIGINT)
      ) AS t(text, flag, tiny, small, int, big, ubig, huge, utiny, usmall, uint, float, double, dec, wide,
             ts, ts_old, day, day_old, ts_tz, tod, span, list, struct, id, bytes, kind, n)`);
    expect(reader.currentRowCount).toBe(4);
    const rows = rowsOf(reader);
    expect(rows).toEqual(driverRows(reader));
    // And what they are: plain JSON values, exact numbers as numbers, others as their digits.
    expect(rows[0]?.big).toBe("9007199254740993");
    expect(rows[1]?.n).toBe(9007199254740991);
    expect(rows[0]?.ts).toBe("2026-07-01T12:34:56.789Z");
    expect(rows[0]?.dec).toBe(12.34);
    expect(rows[2]?.text).toBeNull();
  });

  it("equals them over several chunks, with nulls at chunk edges and repeated column names", async () => {
    const reader = await read(`
      SELECT i, CASE WHEN i % 2047 = 0 THEN NULL ELSE 'lead ' || i END AS name,
        CASE WHEN i % 3 = 0 THEN NULL ELSE TIMESTAMP '2025-01-01' + to_seconds(i * 37) END AS at,
        i * 1.5 AS i, CAST(i AS DECIMAL(18, 3)) / 7 AS share
      FROM range(10000) AS r(i)`);
    expect(reader.currentRowCount).toBe(10_000);
    const rows = rowsOf(reader);
    expect(rows).toEqual(driverRows(reader));
    expect(Object.keys(rows[0] ?? {})).toEqual(["i", "name", "at", "i:1", "share"]);
  });

  it("refuses a timestamp a JavaScript date cannot hold, as the driver does", async () => {
    const reader = await read(`SELECT 'infinity'::TIMESTAMP AS at`);
    expect(() => driverRows(reader)).toThrow(/out of range/);
    expect(() => rowsOf(reader)).toThrow(/out of range/);
  });

  it("returns no rows for an empty result", async () => {
    const reader = await read(`SELECT 1 AS a WHERE FALSE`);
    expect(rowsOf(reader)).toEqual([]);
  });
});
