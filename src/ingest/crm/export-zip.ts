/**
 * A CRM export's .zip, unpacked to disk one entry at a time (yauzl reads the central
 * directory from the file and inflates each entry as a stream), so memory stays small however
 * large the zip or its entries. Only the entries an importer reads are unpacked.
 *
 * Limits, checked on the sizes the zip states before anything is inflated, and again on the
 * bytes as they inflate (a zip can state sizes it does not hold):
 * - entries in the zip: a central directory of millions of entries is not an export;
 * - bytes of one unpacked file: an importer reads a file whole into one string, which V8
 *   caps at 2^29 characters;
 * - bytes unpacked in all (disk space);
 * - the compression ratio: CSVs compress 5 to 50 to 1; a zip bomb (zeros compress 1,000 to
 *   1) is refused as such before it is inflated. Small entries are exempt (a header-only CSV
 *   compresses well and costs nothing).
 * Over a size limit is ZipTooLarge (the API's 413); a bomb or a broken zip an ImportError (400).
 * Issue 13, defect 6: the zip used to be inflated whole in memory (a 4 MB zip took 1.37 GB).
 */
import { createWriteStream } from "node:fs";
import { join } from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import yauzl, { type Entry, type ZipFile } from "yauzl";
import { ImportError } from "../import-error.js";

export type ZipLimits = {
  maxEntries: number;
  maxEntryBytes: number;
  maxTotalBytes: number;
  maxRatio: number;
  /** Entries that unpack to at most this many bytes are not held to maxRatio. */
  ratioFloorBytes: number;
};

const MiB = 1024 ** 2;

export const ZIP_LIMITS: ZipLimits = {
  maxEntries: 100_000,
  maxEntryBytes: 500 * MiB,
  maxTotalBytes: 2048 * MiB,
  maxRatio: 200,
  ratioFloorBytes: MiB,
};

/** A zip (or one of its files) over a size limit: the API answers it with 413. */
export class ZipTooLarge extends ImportError {
  override readonly code = "file_too_large";
}

/** One unpacked entry: its path inside the zip and the file it was written to. */
export type UnpackedEntry = { entry: string; file: string };

const size = (bytes: number): string =>
  bytes >= MiB ? `${Math.round(bytes / MiB).toLocaleString("en-US")} MiB` : `${bytes.toLocaleString("en-US")} bytes`;

/**
 * Unpacks the entries of `zip` that `wanted` accepts into the folder `into` (which the
 * caller removes), each under a name of its own (never the entry's path, so no entry can
 * write outside the folder). Errors name `zip`, the path the user gave, and the entry.
 */
export async function unpackZip(
  zip: string,
  wanted: (entry: string) => boolean,
  into: string,
  limits: ZipLimits = ZIP_LIMITS,
): Promise<UnpackedEntry[]> {
  const bad = (reason: string) => new ImportError(zip, null, null, reason);
  const tooLarge = (reason: string) => new ZipTooLarge(zip, null, null, reason);
  let zipfile: ZipFile;
  try {
    zipfile = await openZip(zip);
  } catch (error) {
    throw bad(`not a readable zip file (${reasonOf(error)}); download the export again`);
  }
  try {
    if (zipfile.entryCount > limits.maxEntries) {
      throw tooLarge(
        `the zip holds ${zipfile.entryCount.toLocaleString("en-US")} entries, over the ${limits.maxEntries.toLocaleString("en-US")} an import reads`,
      );
    }
    // The central directory first: every stated size is checked before a byte is inflated.
    const entries: Entry[] = [];
    let total = 0;
    for (let entry = await nextEntry(zipfile, bad); entry; entry = await nextEntry(zipfile, bad)) {
      if (entry.fileName.endsWith("/") || !wanted(entry.fileName)) continue;
      const name = entry.fileName;
      if (entry.isEncrypted()) throw bad(`${name} is encrypted; export it again without a password`);
      if (entry.uncompressedSize > limits.maxEntryBytes) {
        throw tooLarge(
          `${name} unpacks to ${size(entry.uncompressedSize)}, over the ${size(limits.maxEntryBytes)} one file of an import may hold`,
        );
      }
      total += entry.uncompressedSize;
      if (total > limits.maxTotalBytes) {
        throw tooLarge(`its files unpack to over ${size(limits.maxTotalBytes)}, the most one import unpacks`);
      }
      if (
        entry.uncompressedSize > limits.ratioFloorBytes &&
        entry.uncompressedSize > limits.maxRatio * entry.compressedSize
      ) {
        throw bad(
          `${name} would unpack ${size(entry.uncompressedSize)} from ${size(entry.compressedSize)}, over ${limits.maxRatio} times its packed size (no export compresses so well: a zip bomb?); it was not unpacked`,
        );
      }
      entries.push(entry);
    }
    entries.sort((a, b) => a.fileName.localeCompare(b.fileName));
    const unpacked: UnpackedEntry[] = [];
    for (const [i, entry] of entries.entries()) {
      const file = join(into, `${i}.csv`);
      await inflate(zipfile, entry, file, bad);
      unpacked.push({ entry: entry.fileName, file });
    }
    return unpacked;
  } finally {
    zipfile.close();
  }
}

function openZip(path: string): Promise<ZipFile> {
  return new Promise((resolve, reject) => {
    // lazyEntries: one entry at a time, as asked for; validateEntrySizes: an entry that
    // inflates to more (or fewer) bytes than its stated size is an error, not more data.
    yauzl.open(path, { lazyEntries: true, autoClose: false, validateEntrySizes: true }, (error, zipfile) =>
      error ? reject(error) : resolve(zipfile),
    );
  });
}

/** The next entry of the central directory, or null at its end. */
function nextEntry(zipfile: ZipFile, bad: (reason: string) => ImportError): Promise<Entry | null> {
  return new Promise((resolve, reject) => {
    const done = () => {
      zipfile.off("entry", onEntry);
      zipfile.off("end", onEnd);
      zipfile.off("error", onError);
    };
    const onEntry = (entry: Entry) => {
      done();
      resolve(entry);
    };
    const onEnd = () => {
      done();
      resolve(null);
    };
    const onError = (error: unknown) => {
      done();
      reject(bad(`not a readable zip file (${reasonOf(error)}); download the export again`));
    };
    zipfile.on("entry", onEntry);
    zipfile.on("end", onEnd);
    zipfile.on("error", onError);
    zipfile.readEntry();
  });
}

/** Inflates one entry to `file`, counting its bytes against the size it states. */
async function inflate(
  zipfile: ZipFile,
  entry: Entry,
  file: string,
  bad: (reason: string) => ImportError,
): Promise<void> {
  const broken = (error: unknown) =>
    bad(`${entry.fileName} cannot be unpacked (${reasonOf(error)}); download the export again`);
  const stream = await new Promise<NodeJS.ReadableStream>((resolve, reject) =>
    zipfile.openReadStream(entry, (error, readable) => (error ? reject(broken(error)) : resolve(readable))),
  );
  let bytes = 0;
  // yauzl checks the count too; this keeps the limit in our hands whatever the library does.
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, next) {
      bytes += chunk.length;
      if (bytes > entry.uncompressedSize) next(new Error("it holds more bytes than it states"));
      else next(null, chunk);
    },
  });
  try {
    await pipeline(stream, counter, createWriteStream(file, { mode: 0o600 }));
  } catch (error) {
    throw error instanceof ImportError ? error : broken(error);
  }
}

/** A library error as words for a message: its message alone, never a stack or a path. */
function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
