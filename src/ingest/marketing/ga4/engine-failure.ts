/**
 * Whose fault a failed conversion is. DuckDB reports a file it cannot read and its own
 * failures (out of memory, disk full, an internal error) the same way: as an Error with a
 * sentence. A file's problem becomes an ImportError naming the file and line (./locate.ts);
 * an engine failure must not: naming every file of the export with "failed to pin block" as
 * its reason sends the user hunting for a bad line that does not exist. It is a plain Error
 * (the CLI and the API report it as Verity's failure) that says what ran out and what to set.
 */

/** A failure of the conversion's engine, said for the user; not an ImportError (no file is at fault). */
export class EngineFailure extends Error {
  override name = "EngineFailure";
}

/** Where the conversion runs: its memory budget and its temporary directory. */
export type Scratch = { memory: string; directory: string };

/** The Error for an engine failure in DuckDB's message, or null when it may be the file's. */
export function engineFailure(error: unknown, scratch: Scratch): EngineFailure | null {
  if (error instanceof EngineFailure) return error;
  const message = error instanceof Error ? error.message : String(error);
  const said = message.split("\n")[0]?.trim() ?? message;
  if (/^Out of Memory Error\b/i.test(said) || /\bfailed to (pin|allocate)\b.*\bused\)/i.test(said)) {
    return new EngineFailure(
      `the GA4 conversion ran out of its ${scratch.memory} of memory (DuckDB: ${said}); set VERITY_DUCKDB_MEMORY to more (for example 4GB) and import again`,
      { cause: error },
    );
  }
  if (/no space left on device|disk is full|max_temp_directory_size|disk space/i.test(message)) {
    return new EngineFailure(
      `the GA4 conversion ran out of disk space for its temporary files in ${scratch.directory} (DuckDB: ${said}); free space there, or set TMPDIR to a directory on a larger disk, and import again`,
      { cause: error },
    );
  }
  if (/^IO Error\b/i.test(said) && message.includes(scratch.directory)) {
    return new EngineFailure(
      `the GA4 conversion could not use its temporary directory ${scratch.directory} (DuckDB: ${said})`,
      { cause: error },
    );
  }
  if (/^(INTERNAL|FATAL) Error\b/i.test(said)) {
    return new EngineFailure(`DuckDB failed inside the GA4 conversion (an internal error, not your files): ${said}`, {
      cause: error,
    });
  }
  return null;
}
