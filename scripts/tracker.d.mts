/** The tracker's source file (src/web/tracker/verity.js). */
export const TRACKER_SOURCE: URL;
/** The script /js/verity.js serves: the source minified. */
export function minifyTracker(): Promise<string>;
