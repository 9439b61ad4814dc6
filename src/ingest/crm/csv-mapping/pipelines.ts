/**
 * The pipelines and stages a mapping lists: every listed pipeline and stage is created, in the
 * listed order (--stages gives the order of a pipeline that lists none). Stage kinds: the
 * pipeline's `won`/`lost` lists; else, when `status` reads the same column as `stage_id`
 * (exports whose stage says the outcome, like Zoho's "Closed Won"), the status transforms
 * applied to the stage's name; else open.
 */
import { ImportError } from "../../import-error.js";
import type { FormatOptions } from "../../importer.js";
import type { CanonicalTables } from "../canonical-tables.js";
import type { Problems } from "../problems.js";
import type { CsvMapping, PipelineSpec, Transform } from "./mapping-file.js";
import { applyTransforms } from "./transforms.js";

export type StageInfo = { id: string; name: string; position: number };
export type PipelineInfo = { id: string; name: string; stages: StageInfo[] };

export function buildPipelines(
  mapping: CsvMapping,
  options: FormatOptions,
  tables: CanonicalTables,
  problems: Problems,
): PipelineInfo[] {
  const system = mapping.sourceSystem;
  const fromOption = options.stages
    ?.split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  const status = mapping.leads?.columns.status;
  const stage = mapping.leads?.columns.stage_id;
  // The outcome is written in the stage's name when status is read from the stage column.
  const statusFromStage =
    status?.column != null && stage?.column != null && status.column.toLowerCase() === stage.column.toLowerCase();
  const result: PipelineInfo[] = [];
  for (const p of mapping.pipelines) {
    const names = p.stages ?? (fromOption && fromOption.length > 0 ? fromOption : null);
    if (names === null && stage) {
      problems.add(
        new ImportError(
          mapping.file,
          null,
          `${p.path}.stages`,
          `list the stages of pipeline ${p.name} in order (stages: [...]), or give --stages`,
        ),
      );
    }
    const pipeline: PipelineInfo = { id: `${system}:pipeline:${p.name}`, name: p.name, stages: [] };
    tables.add("pipelines", mapping.file, { id: pipeline.id, name: p.name });
    for (const [position, name] of (names ?? []).entries()) {
      const info = { id: `${system}:${p.name}:${name}`, name, position };
      pipeline.stages.push(info);
      tables.add("stages", mapping.file, {
        id: info.id,
        pipeline_id: pipeline.id,
        name,
        position,
        is_qualifying: p.qualifying !== null && p.qualifying.toLowerCase() === name.toLowerCase(),
        kind: kindOf(p, name, statusFromStage ? (status?.transforms ?? []) : null, mapping.file, problems),
      });
    }
    result.push(pipeline);
  }
  return result;
}

function kindOf(
  p: PipelineSpec,
  stage: string,
  statusTransforms: readonly Transform[] | null,
  mappingFile: string,
  problems: Problems,
): "open" | "won" | "lost" {
  const named = (list: string[] | null) => list?.some((s) => s.toLowerCase() === stage.toLowerCase()) ?? false;
  if (p.won || p.lost) return named(p.won) ? "won" : named(p.lost) ? "lost" : "open";
  if (!statusTransforms) return "open";
  try {
    const status = applyTransforms(stage, statusTransforms, null).toLowerCase();
    return status === "won" || status === "lost" ? status : "open";
  } catch (error) {
    // A stage the status mapping cannot read would silently load as open: say so instead.
    if (!(error instanceof ImportError)) throw error;
    problems.add(
      new ImportError(
        mappingFile,
        null,
        `${p.path}.stages`,
        `the status mapping cannot tell whether stage ${JSON.stringify(stage)} is won, lost or open (${error.reason}); list it in won: or lost:, or add it to the status map`,
      ),
    );
    return "open";
  }
}

export function findByName<T extends { name: string }>(list: readonly T[], name: string): T | undefined {
  return list.find((x) => x.name === name) ?? list.find((x) => x.name.toLowerCase() === name.toLowerCase());
}
