/**
 * The mapped-CSV importer (importer.ts), with its mapping file (mapping-file.ts) and one
 * module per step beside it.
 */
export { CSV_FORMAT, csvMappingImporter } from "./importer.js";
