import { notBuilt } from "../not-built.js";

export const listmonkImporter = notBuilt("listmonk", "listmonk subscribers and campaign exports");
