/**
 * Segment-style event exports (Segment, RudderStack, Jitsu; PostHog's events through a small
 * adapter): JSON lines, or a JSON array, of page / screen / track / identify / alias events,
 * turned into canonical visits and visitor identities. How each field is read: events.ts;
 * how visits are cut and identities placed: sessions.ts; how files are read: reader.ts.
 *
 * The export holds no leads: the identities link visits to the leads of the workspace's CRM
 * import (by email or CRM id hash) after the load, and the summary says how many.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { Problems } from "../../crm/problems.js";
import { ImportError } from "../../import-error.js";
import type { FormatOptions, Importer, PreparedImport, TableFile } from "../../importer.js";
import { checkZone, flatten, looksPostHog, looksSegment } from "./events.js";
import { exportFiles, readRecords } from "./reader.js";
import { EventStore, IDENTITY_COLUMNS, type SessionCounts, VISIT_COLUMNS } from "./sessions.js";

export const SEGMENT_SOURCE = "segment";

/** Minutes of inactivity that end a visit, as Google Analytics, Matomo and PostHog use. */
export const DEFAULT_SESSION_GAP = 30;

export const segmentImporter: Importer = {
  format: "segment",
  description: "Segment-style event export (Segment, RudderStack, Jitsu, PostHog; JSON lines)",
  recognise(sample) {
    const record = sample.json;
    if (!record) return null;
    if (looksSegment(record)) {
      return `${sample.name} holds Segment-spec events (type, anonymousId or userId, timestamp, messageId)`;
    }
    if (looksPostHog(record)) return `${sample.name} holds PostHog events (event, distinct_id, properties)`;
    return null;
  },
  prepare: prepareSegment,
};

/** --session-gap as minutes: a whole number from 1 to 1440 (a day). */
export function sessionGapOf(value: string | undefined): number {
  if (value === undefined || value === "") return DEFAULT_SESSION_GAP;
  const minutes = /^\s*\d+\s*$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > 1440) {
    throw new ImportError(
      "--session-gap",
      null,
      null,
      `${JSON.stringify(value)} is not a number of minutes from 1 to 1440 (the inactivity that ends a visit; default ${DEFAULT_SESSION_GAP})`,
    );
  }
  return minutes;
}

async function prepareSegment(paths: readonly string[], options: FormatOptions): Promise<PreparedImport> {
  const gap = sessionGapOf(options.sessionGap);
  const zone = checkZone(options.timezone);
  const files = await exportFiles(paths);
  const problems = new Problems(options.collectProblems === true);
  const events = await EventStore.open();
  let counts: SessionCounts;
  let read = 0;
  const shapes = { segment: 0, posthog: 0 };
  const outDir = await mkdtemp(join(tmpdir(), "verity-segment-out-"));
  try {
    for (const file of files) {
      await readRecords(
        file,
        (record, place) => {
          const event = problems.row(() => flatten(record, place, zone));
          if (!event) return;
          read += 1;
          shapes[event.shape] += 1;
          events.add(event);
        },
        (problem) => problems.add(problem),
      );
    }
    if (read === 0 && problems.count === 0) {
      throw new ImportError(files.join(", "), null, null, "holds no events");
    }
    counts = await events.sessionize(gap, outDir);
  } catch (error) {
    await rm(outDir, { recursive: true, force: true });
    throw error;
  } finally {
    await events.close();
  }

  const label = files.length === 1 ? basename(files[0] as string) : `${files.length} event files`;
  const tableFiles: TableFile[] = [];
  if (counts.visits > 0) {
    tableFiles.push({
      table: "visits",
      file: join(outDir, "visits.csv"),
      columns: VISIT_COLUMNS,
      displayName: `${label} (converted)`,
    });
  }
  if (counts.identities > 0) {
    tableFiles.push({
      table: "visitor_identities",
      file: join(outDir, "visitor_identities.csv"),
      columns: IDENTITY_COLUMNS,
      displayName: `${label} (converted)`,
    });
  }
  const skipped = [
    { reason: "events delivered twice (the same messageId)", count: counts.duplicates },
    {
      reason: "track or screen events in no visit with a page view (server-side calls alone)",
      count: counts.withoutView,
    },
    { reason: "group calls and PostHog bookkeeping events (they tell no visit)", count: counts.other },
    { reason: "identities of visitors without a visit", count: counts.identitiesWithoutVisit },
  ].filter((s) => s.count > 0);
  const notes = [
    `${read.toLocaleString("en-US")} events read (${
      shapes.posthog > 0 && shapes.segment > 0
        ? "Segment-spec and PostHog"
        : shapes.posthog > 0
          ? "PostHog"
          : "Segment-spec"
    }); visits cut after ${gap} minutes without activity${gap === DEFAULT_SESSION_GAP ? " (--session-gap changes it)" : ""} and where the campaign changes`,
  ];
  const prepared: PreparedImport = {
    sourceSystem: SEGMENT_SOURCE,
    files: tableFiles,
    skipped,
    notes,
    lacks: [],
    cleanup: () => rm(outDir, { recursive: true, force: true }),
  };
  problems.attach(prepared);
  return prepared;
}
