// Messages shared by the workflows and the CLI: defined once, imported by both.
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { ApprovalRequest, ApprovalState, PlannedChange, RejectRequest } from '../domain/runbooks/apply.js';
import type { ConfigBackup } from '../domain/runbooks/backup.js';
import type { RunbookProgress } from '../domain/runbooks/progress.js';

/** Steps done (status, times), the current step and what it waits for. */
export const progressQuery = defineQuery<RunbookProgress>('progress');

/** reapply-config and apply: the backup once exported (null before), for `--backup-file`. */
export const backupQuery = defineQuery<ConfigBackup | null>('backup');

/** apply only: the plan the run applies (null before planning) and its approval gate. */
export const planQuery = defineQuery<PlannedChange>('plan');

/**
 * apply --approval: approve the plan. Refused (before anything is recorded) when the run is not
 * waiting for approval or the approver is the requester. Returns the gate after the decision.
 */
export const approveUpdate = defineUpdate<ApprovalState, [ApprovalRequest]>('approve');

/** apply --approval: reject the plan; nothing is written. Refused when the run is not waiting for approval. */
export const rejectUpdate = defineUpdate<ApprovalState, [RejectRequest]>('reject');
