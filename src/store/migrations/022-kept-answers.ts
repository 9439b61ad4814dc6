/**
 * Answers kept between processes (issue 17, target 3): a fresh `verity check` or `verity
 * report` answers from the row its last run wrote while the workspace's data tokens (019-021)
 * and Verity's own code are unchanged (src/metrics/kept-answers.ts). One row per workspace and
 * question; the key starts with the workspace like every table's. Frozen like every migration.
 */
export function keptAnswersSchema(): string[] {
  return [
    `CREATE TABLE kept_answers (
      workspace_id TEXT NOT NULL, answer_key TEXT NOT NULL, tokens TEXT NOT NULL, answer TEXT NOT NULL,
      kept_at TIMESTAMP NOT NULL,
      PRIMARY KEY (workspace_id, answer_key))`,
  ];
}
