/**
 * One visit of a Matomo visits log, whichever file it came from: the JSON export gives it as
 * an object, the CSV as a row whose action details are flattened into columns. The converter
 * (visits.ts) reads both through this, and names a bad value by where it is: a line and a
 * column for the CSV, a JSON path (`[3].firstActionTimestamp`) for the JSON.
 */

/** Where a value is in the user's file. `column` is the CSV's column or the JSON path. */
export type Place = { line: number | null; column: string };

export type FieldReader = {
  /** A field's value as text, trimmed; "" when it is absent, empty, null or false. */
  field(name: string): string;
  place(name: string): Place;
};

export type VisitRecord = FieldReader & {
  /** The visit's actions in order; null when the file carries no action details at all. */
  actions: readonly FieldReader[] | null;
};
