import { notBuilt } from "../../not-built.js";

export const facebookImporter = notBuilt("facebook", "Facebook/Meta post exports");
