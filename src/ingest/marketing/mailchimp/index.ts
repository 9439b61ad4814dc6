import { notBuilt } from "../not-built.js";

export const mailchimpImporter = notBuilt("mailchimp", "Mailchimp audience and campaign activity exports");
