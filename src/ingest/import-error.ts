/**
 * What went wrong in an input file, and where: the file, the physical line (1-based, the
 * header is line 1), the column and the reason. Importers throw it; the CLI and the API
 * print it as one sentence.
 */
import { VerityError } from "../model/errors.js";

export class ImportError extends VerityError {
  constructor(
    readonly file: string,
    readonly line: number | null,
    readonly column: string | null,
    readonly reason: string,
  ) {
    super("invalid_file", formatLocation(file, line, column, reason));
    this.name = "ImportError";
  }
}

function formatLocation(file: string, line: number | null, column: string | null, reason: string): string {
  const where = [
    file,
    line === null ? null : `line ${line.toLocaleString("en-US")}`,
    column === null ? null : `column ${column}`,
  ]
    .filter((part) => part !== null)
    .join(", ");
  return `${where}: ${reason}`;
}
