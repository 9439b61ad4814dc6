import { notBuilt } from "../../not-built.js";

export const linkedinImporter = notBuilt("linkedin", "LinkedIn Page analytics exports (content and followers, XLSX)");
