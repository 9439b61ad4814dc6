/**
 * A format registered while its importer is being written (issue 16): it says so instead of
 * importing nothing. Removed when the last importer lands.
 */
import { VerityError } from "../../model/errors.js";
import type { Importer } from "../importer.js";

export function notBuilt(format: string, description: string): Importer {
  return {
    format,
    description,
    prepare: async () => {
      throw new VerityError("unknown_format", `the ${format} format is not built yet`, "format");
    },
  };
}
