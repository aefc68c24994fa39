// The change search attributes as the Temporal SDK's typed keys (kept apart from search-attributes.ts so that
// the lab and diagnose, which read that table, load no Temporal code).
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** The attributes as typed keys, for starting runs (cluster, runbook, requester) and ending them (outcome, objects). */
export const changeSearchAttributeKeys = {
  cluster: defineSearchAttributeKey('MetallbCluster', SearchAttributeType.KEYWORD),
  runbook: defineSearchAttributeKey('MetallbRunbook', SearchAttributeType.KEYWORD),
  requestedBy: defineSearchAttributeKey('MetallbRequestedBy', SearchAttributeType.KEYWORD),
  outcome: defineSearchAttributeKey('MetallbOutcome', SearchAttributeType.KEYWORD),
  objects: defineSearchAttributeKey('MetallbObjects', SearchAttributeType.KEYWORD_LIST),
};
