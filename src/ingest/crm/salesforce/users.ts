/**
 * The reps: users referenced by an imported opportunity (OwnerId), stage event (CreatedById)
 * or activity (OwnerId); name `FirstName LastName`, team = the manager's name. Other users of
 * User.csv are skipped and counted. A referenced user missing from User.csv (or without
 * User.csv at all) is named by the Id, with a note.
 */
import type { FormatOptions } from "../../importer.js";
import type { CanonicalTables } from "../canonical-tables.js";
import type { Problems } from "../problems.js";
import { type ExportFile, OBJECTS, open } from "./export-files.js";
import { checkDuplicate, flag, idOf, orNull, requireId } from "./fields.js";
import { recordId } from "./ids.js";

/** Writes a rep for every referenced user, from User.csv when given (written last: only users something imported refers to). */
export async function writeReps(
  file: ExportFile | undefined,
  referenced: ReadonlySet<string>,
  options: FormatOptions,
  tables: CanonicalTables,
  problems: Problems,
): Promise<void> {
  if (file) {
    await readUsers(file, referenced, options, tables, problems);
  } else {
    for (const id of [...referenced].sort()) {
      tables.add("reps", OBJECTS.user, { id: recordId(id), external_id: id, name: id });
    }
    if (referenced.size > 0) {
      tables.note(`no User.csv: the ${referenced.size} reps are named by their Salesforce user Id`);
    }
  }
}

async function readUsers(
  file: ExportFile,
  referenced: ReadonlySet<string>,
  options: FormatOptions,
  tables: CanonicalTables,
  problems: Problems,
): Promise<void> {
  const source = await open(file, "user", ["Id"], [], options);
  type User = { name: string; email: string | null; active: boolean; managerId: string | null };
  const users = new Map<string, User>();
  const seen = new Map<string, number>();
  for (const row of source.file.rows) {
    problems.row(() => {
      const id = requireId(source, row);
      checkDuplicate(seen, source, row, id);
      const name = `${row.get("FirstName")} ${row.get("LastName")}`.trim() || row.get("Username") || id;
      users.set(id, {
        name,
        email: orNull(row.get("Email")),
        active: flag(source, row, "IsActive") ?? true,
        managerId: idOf(row.get("ManagerId")),
      });
    });
  }
  for (const id of users.keys()) {
    if (!referenced.has(id)) tables.skip("user not referenced by any imported record");
  }
  const missing: string[] = [];
  for (const id of [...referenced].sort()) {
    const user = users.get(id);
    if (!user) {
      missing.push(id);
      tables.add("reps", OBJECTS.user, { id: recordId(id), external_id: id, name: id });
      continue;
    }
    const manager = user.managerId === null ? undefined : users.get(user.managerId);
    tables.add("reps", OBJECTS.user, {
      id: recordId(id),
      external_id: id,
      name: user.name,
      email: user.email,
      team: manager?.name ?? user.managerId,
      region: null,
      active: user.active,
    });
  }
  if (missing.length > 0) {
    tables.note(`${missing.length} users are referenced but not in User.csv, named by their Id: ${missing.join(", ")}`);
  }
}
