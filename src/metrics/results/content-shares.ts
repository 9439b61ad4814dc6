/**
 * What content shares (METRICS.md 7) answers: type-only, shared with the dashboard (see
 * common.ts for the rule this folder keeps).
 */

export type ContentSharesRow = {
  /** Posts published in the period. */
  posts: number;
  /** Shares of those posts as of the end of the period. */
  shares: number;
  /** shares / posts; null without posts. */
  sharesPerPost: number | null;
  impressions: number;
  impressionsPerPost: number | null;
  /** Followers at the end of the period (latest snapshot before it); null without any. */
  followers: number | null;
  /** Followers at the end less followers at the start of the period; null without a reading. */
  followerChange: number | null;
};

/** Overall figures; the counts are null when no social posts are loaded at all. */
export type ContentSharesResult = Omit<ContentSharesRow, "posts" | "shares" | "impressions"> & {
  posts: number | null;
  shares: number | null;
  impressions: number | null;
  byNetwork: (ContentSharesRow & { network: string })[];
  /**
   * How the shares cluster by post: the posts with a share and the sum of each post's
   * squared shares (shares per post is judged quasi-Poisson from them); null without posts
   * loaded. (evidence.ts's ClusterFigures, written out: this folder imports no runtime module.)
   */
  shareClusters: { clusters: number; sumOfSquares: number } | null;
  /** The period's posts with the most shares (10 at most). */
  topPosts: {
    id: string;
    network: string;
    published: string;
    url: string | null;
    shares: number;
    impressions: number;
  }[];
  /** Per grain bucket of publication: posts, and their shares per post as of the end of the period. */
  trend: { bucket: string; posts: number; shares: number; sharesPerPost: number | null }[];
};
