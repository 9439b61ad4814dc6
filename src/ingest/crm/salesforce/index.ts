/**
 * The Salesforce weekly Data Export importer (importer.ts), one module per topic beside it.
 */

export { SALESFORCE_SOURCE } from "./ids.js";
export { salesforceImporter } from "./importer.js";
