/**
 * Activities reps log: on leads (from shortly after creation until the lead closes, plus a
 * little wrap-up after) and without a lead (prospecting calls, internal tasks). How many, of
 * which type, how long and how well noted depends on the rep's style (company.ts), which is
 * what METRICS.md 1 (activity quality) has to surface.
 */
import type { ActivityType, Rep } from "./company-types.js";
import { csvField } from "./csv-writer.js";
import type { CsvTableWriter } from "./csv-writer.js";
import { junkNote, realNote } from "./notes.js";
import { type Random, WeightedList } from "./random.js";
import { DAY_SECONDS, HOUR_SECONDS, RANGE_END, formatTimestamp, isWeekend } from "./time.js";
