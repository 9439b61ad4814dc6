/**
 * Data versions (issue 17): each workspace carries two tokens that change whenever its data
 * does, so a process can keep metric results per version and answer an unchanged workspace
 * from memory (src/metrics/read-cache.ts). `tracking_version` changes with every tracking
 * batch (visits and what is derived from them alone); `data_version` with everything else an
 * import or the API writes. On the workspace's own row: a token is only ever updated, never
 * inserted, so two writers never race to create it. Frozen like every migration.
 */
export function dataVersionsSchema(): string[] {
  return [
    "ALTER TABLE workspaces ADD COLUMN data_version TEXT",
    "ALTER TABLE workspaces ADD COLUMN tracking_version TEXT",
  ];
}
