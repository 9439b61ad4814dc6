/**
 * `verity deadletter`: the tracking records the server's writer could not store (the engine
 * refused them; src/server/collect/dead-letters.ts). List them with the engine's reason,
 * replay them once the cause is mended (through the writer's own code, in one transaction
 * each), or drop them. Run it while `verity serve` is stopped: the writer is the only one
 * that writes tracking data while it runs.
 */
import type { Command } from "commander";
import {
  type DeadLetter,
  dropDeadLetter,
  listDeadLetters,
  type ReplayOutcome,
  replayDeadLetter,
} from "../../server/index.js";
import type { Store } from "../../store/store.js";
import { type GlobalOptions, withStore, workspaceOf } from "../context.js";
import { UserError } from "../output.js";

/** The dead letters an ID or --all names, in the workspace. */
async function chosen(store: Store, workspace: string, id: string | undefined, all: boolean): Promise<DeadLetter[]> {
  if ((id === undefined) === !all) throw new UserError("give a dead letter's id, or --all (not both)");
  const letters = await listDeadLetters(store, workspace);
  if (all) return letters;
  const letter = letters.find((l) => l.id === id);
  if (!letter) throw new UserError(`workspace ${workspace} has no dead letter ${id} (see \`verity deadletter list\`)`);
  return [letter];
}

export function registerDeadLetter(program: Command): void {
  const command = program
    .command("deadletter")
    .description("tracking records the engine refused: list, replay or drop them (with the server stopped)");

  command
    .command("list")
    .description("list the workspace's dead letters with the engine's reason")
    .option("--json", "print JSON (each with the log record as it was)")
    .action(async (flags: { json?: boolean }, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      const workspace = workspaceOf(globals);
      const letters = await withStore(globals, (store) => listDeadLetters(store, workspace));
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(letters, null, 2)}\n`);
        return;
      }
      if (letters.length === 0) {
        process.stdout.write(`workspace ${workspace} has no dead letters\n`);
        return;
      }
      for (const l of letters) {
        process.stdout.write(
          `${l.id}\t${l.failedAt}\tlog ${l.logId} record ${l.seq}\t${l.events} events\t${l.error.replaceAll("\n", " ")}\n`,
        );
      }
    });

  command
    .command("replay")
    .description("apply dead letters again (each stays, with the new reason, if the engine refuses it again)")
    .argument("[id]", "the dead letter (from `verity deadletter list`)")
    .option("--all", "every dead letter of the workspace")
    .action(async (id: string | undefined, flags: { all?: boolean }, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      const workspace = workspaceOf(globals);
      const outcomes = await withStore(globals, async (store) => {
        const done: ReplayOutcome[] = [];
        for (const letter of await chosen(store, workspace, id, flags.all ?? false)) {
          done.push(await replayDeadLetter(store, letter));
        }
        return done;
      });
      for (const o of outcomes) {
        process.stdout.write(o.replayed ? `${o.id} replayed\n` : `${o.id} refused again: ${o.error}\n`);
      }
      const failed = outcomes.filter((o) => !o.replayed).length;
      process.stdout.write(`${outcomes.length - failed} replayed, ${failed} still dead-lettered\n`);
      if (failed > 0) process.exitCode = 1;
    });

  command
    .command("drop")
    .description("delete dead letters for good (their events are not stored)")
    .argument("[id]", "the dead letter (from `verity deadletter list`)")
    .option("--all", "every dead letter of the workspace")
    .action(async (id: string | undefined, flags: { all?: boolean }, cmd: Command) => {
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      const workspace = workspaceOf(globals);
      const dropped = await withStore(globals, async (store) => {
        let n = 0;
        for (const letter of await chosen(store, workspace, id, flags.all ?? false)) {
          if (await dropDeadLetter(store, workspace, letter.id)) n += 1;
        }
        return n;
      });
      process.stdout.write(`${dropped} dead letter${dropped === 1 ? "" : "s"} dropped\n`);
    });
}
