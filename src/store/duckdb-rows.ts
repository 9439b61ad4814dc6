/**
 * A DuckDB result as Verity's rows (plain JSON values, normalize.ts), read column by column.
 *
 * The driver's own `getRowObjectsJS()` visits the result a row at a time, looks up each
 * value's vector, type and converter for every value, and makes a Date of every timestamp
 * that normalizeRow then turns into text: for the stalled list of size l (52,324 rows of 14
 * columns) 651-763 ms in all. Read a column at a time with one converter chosen per column,
 * the same rows take 431-530 ms, most of it the driver decoding each string (a native call for
 * every string over 12 bytes). The values are exactly those of normalizeRow over
 * getRowObjectsJS (src/store/duckdb-rows.test.ts holds the two equal over every type Verity's
 * statements return); a type not handled here goes through the driver's converter and
 * normalizeValue as before.
 */
import { createRequire } from "node:module";
import type {
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBResultReader,
  DuckDBTimestampValue,
  DuckDBType,
  DuckDBValue,
} from "@duckdb/node-api";
import { normalizeValue } from "./normalize.js";
import type { Row } from "./store.js";

// required, not imported: see duckdb-store.ts (an ESM import of the package costs a fresh CLI 0.3-0.6 s).
const { DuckDBTypeId, JSDuckDBValueConverter } = createRequire(import.meta.url)(
  "@duckdb/node-api",
) as typeof import("@duckdb/node-api");

type Convert = (value: DuckDBValue) => Row[string];

const MILLIS_PER_DAY = 86_400_000;
/** The range a JS Date holds (the driver refuses values outside it; so does the fallback). */
const MAX_DATE_MILLIS = 8_640_000_000_000_000n;

/** A whole number as normalizeValue gives a bigint: a number when exact, else its digits. */
function wholeNumber(value: DuckDBValue): Row[string] {
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : (value as bigint).toString();
}

/** The converter for a column of `type`: the driver's value as normalizeRow would leave it. */
function converterFor(type: DuckDBType): Convert {
  const generic: Convert = (value) => normalizeValue(JSDuckDBValueConverter(value, type, JSDuckDBValueConverter));
  switch (type.typeId) {
    case DuckDBTypeId.VARCHAR:
      return (value) => String(value);
    case DuckDBTypeId.BOOLEAN:
      return (value) => Boolean(value);
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
    case DuckDBTypeId.UINTEGER:
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
      return (value) => Number(value);
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
      return (value) => (typeof value === "bigint" ? wholeNumber(value) : generic(value));
    case DuckDBTypeId.DECIMAL:
      return (value) => (value as DuckDBDecimalValue).toDouble();
    case DuckDBTypeId.TIMESTAMP:
      return (value) => {
        const millis = (value as DuckDBTimestampValue).micros / 1000n;
        // Out of a Date's range (infinity included): the driver's converter says so, as before.
        if (millis > MAX_DATE_MILLIS || millis < -MAX_DATE_MILLIS) return generic(value);
        return new Date(Number(millis)).toISOString();
      };
    case DuckDBTypeId.DATE:
      return (value) => {
        const days = (value as DuckDBDateValue).days;
        if (Math.abs(days) > 100_000_000) return generic(value);
        return new Date(days * MILLIS_PER_DAY).toISOString();
      };
    default:
      return generic;
  }
}

/** The rows of a result read to its end (runAndReadAll), named as getRowObjectsJS names them. */
export function rowsOf<T extends Row = Row>(reader: DuckDBResultReader): T[] {
  const names = reader.deduplicatedColumnNames();
  const columns = reader.getColumns();
  const count = reader.currentRowCount;
  const rows = new Array<Row>(count);
  for (let r = 0; r < count; r++) rows[r] = {};
  for (let c = 0; c < names.length; c++) {
    const name = names[c] as string;
    const values = columns[c] as DuckDBValue[];
    const convert = converterFor(reader.columnType(c));
    for (let r = 0; r < count; r++) {
      const value = values[r];
      (rows[r] as Row)[name] = value === null || value === undefined ? null : convert(value);
    }
  }
  return rows as T[];
}
