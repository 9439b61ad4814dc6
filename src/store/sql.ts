/**
 * SQL as data: a tagged template that keeps values out of the text. Values become bound
 * parameters (`$1`, `$2`, ... which both DuckDB and PostgreSQL accept); identifiers go
 * through `ident`, which only admits plain lower-case names, so nothing a user typed is
 * ever pasted into SQL text.
 */

export type SqlValue = string | number | boolean | null | bigint;

/** A fragment of SQL text with its parameter values, in order. */
export class Sql {
  constructor(
    readonly strings: readonly string[],
    readonly values: readonly (SqlValue | Sql)[],
  ) {}

  /** The text with `$n` placeholders and the flat list of values. */
  compile(): { text: string; values: SqlValue[] } {
    const values: SqlValue[] = [];
    const text = this.render(values);
    return { text, values };
  }

  private render(values: SqlValue[]): string {
    let text = this.strings[0] ?? "";
    this.values.forEach((value, i) => {
      if (value instanceof Sql) {
        text += value.render(values);
      } else {
        values.push(value);
        text += `$${values.length}`;
      }
      text += this.strings[i + 1] ?? "";
    });
    return text;
  }
}

export function sql(strings: TemplateStringsArray, ...values: (SqlValue | Sql)[]): Sql {
  return new Sql(strings, values);
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/** A table or column name. Only names Verity itself declares pass. */
export function ident(name: string): Sql {
  if (!IDENTIFIER.test(name)) throw new Error(`not a valid SQL identifier: ${JSON.stringify(name)}`);
  return raw(`"${name}"`);
}

/** Text Verity wrote itself (never user input). */
export function raw(text: string): Sql {
  return new Sql([text], []);
}

/** Joins fragments with a separator. */
export function join(parts: readonly Sql[], separator = ", "): Sql {
  if (parts.length === 0) return raw("");
  const strings = ["", ...parts.slice(1).map(() => separator), ""];
  return new Sql(strings, parts);
}

/**
 * A moment as a TIMESTAMP parameter. Columns are UTC TIMESTAMPs without a zone, so the value
 * is written without an offset (PostgreSQL would ignore it; DuckDB would convert it).
 */
export function timestamp(date: Date): Sql {
  return sql`CAST(${date.toISOString().replace("T", " ").replace("Z", "")} AS TIMESTAMP)`;
}
