/**
 * What the lead search (GET /api/leads, the dashboard's timeline page) answers: the leads
 * whose id, id in the CRM, name, account or contact holds the text, most recently created
 * first. Type-only and free of Node, shared with the dashboard (results/common.ts says why).
 */

export type FoundLead = {
  id: string;
  name: string | null;
  account: string | null;
  status: string;
  createdAt: string;
};

export type LeadSearch = { leads: FoundLead[] };
