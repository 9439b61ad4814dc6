/**
 * The ids the Salesforce importer gives what it writes: `salesforce:<Id>` for leads, reps and
 * activities, one pipeline `salesforce:pipeline`, stages `salesforce:stage:<StageName>`.
 */

export const SALESFORCE_SOURCE = "salesforce";
export const PIPELINE_ID = "salesforce:pipeline";
export const PIPELINE_NAME = "Opportunities";

/** The id of a Salesforce record (an opportunity as a lead, an activity, a user as a rep). */
export const recordId = (id: string) => `${SALESFORCE_SOURCE}:${id}`;
export const rep = (userId: string | null) => (userId === null ? null : recordId(userId));
export const stageId = (name: string) => `${SALESFORCE_SOURCE}:stage:${name}`;
