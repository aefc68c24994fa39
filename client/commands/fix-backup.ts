// The backup reapply-config keeps in its workflow history, written out as YAML for kubectl.
import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { isNotFound } from '../temporal.js';
import { UsageError } from '../usage-error.js';
import { defaultPayloadConverter } from '@temporalio/common';
import { cleanManifest, entryRef, secretFieldsOf, type ConfigBackup } from '../../domain/runbooks/backup.js';

type History = Awaited<ReturnType<ReturnType<Client['workflow']['getHandle']>['fetchHistory']>>;

/** The result of the exportMetallbConfig activity in a run's history, or null if it has not completed. */
export function backupInHistory(history: History): ConfigBackup | null {
  const events = history.events ?? [];
  const scheduled = events.find(
    (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'exportMetallbConfig',
  );
  if (!scheduled) return null;
  const completed = events.find(
    (e) => String(e.activityTaskCompletedEventAttributes?.scheduledEventId ?? '') === String(scheduled.eventId),
  );
  const payload = completed?.activityTaskCompletedEventAttributes?.result?.payloads?.[0];
  return payload ? defaultPayloadConverter.fromPayload<ConfigBackup>(payload) : null;
}

/** The backup an earlier run took; a run that does not exist is one line (exit 2) saying where to find ids. */
export async function fetchBackup(client: Client, workflowId: string, runId?: string): Promise<ConfigBackup | null> {
  try {
    return backupInHistory(await client.workflow.getHandle(workflowId, runId).fetchHistory());
  } catch (error) {
    if (!(error instanceof WorkflowNotFoundError) && !isNotFound(error)) throw error;
    throw new UsageError(
      `no run ${workflowId}${runId ? `/run/${runId}` : ''} in Temporal: give the workflow id (and run) of an ` +
        'earlier reapply-config or apply, as `metallb-runbooks history` lists them',
    );
  }
}

/**
 * Multi-document YAML `kubectl apply -f` accepts; a header says what is deliberately not in it.
 * Manifests are cleaned again on the way out: a backup recorded by an older version may still
 * carry an inline password or last-applied-configuration.
 */
export function backupYaml(backup: ConfigBackup, source: string): string {
  const secrets = backup.secrets.map((s) => `${s.namespace}/${s.name} (used by ${s.usedBy})`).join(', ') || 'none';
  const withPassword = backup.objects.filter((e) => secretFieldsOf(e.manifest).length > 0 || e.secretFields?.length);
  const header = [
    `# MetalLB configuration backup of ${backup.namespace}, exported ${backup.exportedAt} by ${source}`,
    `# ${backup.objects.length} object(s), in creation order. Secrets referenced (not included): ${secrets}`,
    ...(withPassword.length > 0
      ? [
          `# Inline passwords (not included, they stay on the cluster): ${withPassword.map(entryRef).join(', ')}; ` +
            'set spec.password again before applying this file elsewhere',
        ]
      : []),
  ].join('\n');
  const manifests = backup.objects.map((e) => stringify(cleanManifest(e.manifest)).trimEnd());
  return `${header}\n${manifests.join('\n---\n')}\n`;
}

export function writeBackup(file: string, backup: ConfigBackup, source: string): void {
  writeFileSync(file, backupYaml(backup, source));
}
