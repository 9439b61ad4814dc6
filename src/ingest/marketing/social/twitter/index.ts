import { notBuilt } from "../../not-built.js";

export const twitterImporter = notBuilt("twitter", "X/Twitter post analytics export");
