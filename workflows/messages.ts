// Messages shared by the workflows and the CLI: defined once, imported by both.
import { defineQuery } from '@temporalio/workflow';
import type { ConfigBackup } from '../domain/runbooks/backup.js';
import type { RunbookProgress } from '../domain/runbooks/progress.js';

/** Steps done (status, times), the current step and what it waits for. */
export const progressQuery = defineQuery<RunbookProgress>('progress');

/** reapply-config only: the backup once exported (null before), for `--backup-file`. */
export const backupQuery = defineQuery<ConfigBackup | null>('backup');
