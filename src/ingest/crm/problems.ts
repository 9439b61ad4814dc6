/**
 * What a conversion found wrong. An import stops at the first problem (it throws); a dry run
 * (FormatOptions.collectProblems) collects every one instead, leaves the bad row out and
 * goes on, so the user sees them all at once. A flood is capped: the first PROBLEM_LIMIT
 * are kept and the rest counted.
 */
import { ImportError } from "../import-error.js";
import type { PreparedImport } from "../importer.js";

export const PROBLEM_LIMIT = 200;

export class Problems {
  readonly list: ImportError[] = [];
  /** Problems found beyond PROBLEM_LIMIT. */
  overflow = 0;

  constructor(readonly collecting: boolean) {}

  /** Records a problem, or throws it when not collecting. */
  add(problem: ImportError): void {
    if (!this.collecting) throw problem;
    if (this.list.length < PROBLEM_LIMIT) this.list.push(problem);
    else this.overflow += 1;
  }

  /** Converts one row; its ImportError is recorded (the row left out) when collecting. */
  row<T>(convertRow: () => T): T | undefined {
    try {
      return convertRow();
    } catch (error) {
      if (!(this.collecting && error instanceof ImportError)) throw error;
      this.add(error);
      return undefined;
    }
  }

  get count(): number {
    return this.list.length + this.overflow;
  }

  /** Hands the problems to a prepared import (a dry run), with a note when some were not kept. */
  attach(prepared: PreparedImport): void {
    if (!this.collecting) return;
    prepared.problems = [...this.list];
    if (this.overflow > 0) {
      prepared.notes.push(
        `${this.count.toLocaleString("en-US")} problems found; the first ${PROBLEM_LIMIT} are listed, ${this.overflow.toLocaleString("en-US")} more are not`,
      );
    }
  }
}
