import { setHandler } from '@temporalio/workflow';
import type { ConfigBackup } from '../domain/runbooks/backup.js';
import { inPlaceSteps, reapplySteps, recreateSteps } from '../domain/runbooks/steps.js';
import { withLimits, type ReapplyConfigInput, type RunbookResult } from '../domain/runbooks/types.js';
import { clusterActivities } from './activity-options.js';
import { backupQuery } from './messages.js';
import { trackSteps, type RunbookSteps } from './progress-tracker.js';
import { audited, type AuditTrail } from './audited.js';
import { runFlags } from '../domain/audit/record.js';
import { reapplyInPlace } from './reapply-in-place.js';
import { reapplyRecreate } from './reapply-recreate.js';
import type { ReapplyRun } from './reapply-run.js';

async function prepare(
  steps: RunbookSteps,
  input: ReapplyConfigInput,
  onBackup: (backup: ConfigBackup) => void,
  trail: AuditTrail,
): Promise<ReapplyRun> {
  const startedAt = new Date().toISOString();
  const metallb = await steps.run(reapplySteps.locate, () => clusterActivities.findMetallbWorkloads());
  const scope = { namespace: metallb.namespace, lbClass: metallb.lbClass };
  const before = await steps.run(reapplySteps.recordIps, () => clusterActivities.readClusterFacts(scope));
  trail.before(scope, before.services);
  // The backup is this activity's result: it lives in the workflow history.
  const backup = await steps.run(reapplySteps.exportConfig, () =>
    clusterActivities.exportMetallbConfig({ namespace: metallb.namespace }),
  );
  onBackup(backup);
  return { steps, input, limits: withLimits(input), startedAt, metallb, scope, before, backup };
}

/**
 * Re-applies every MetalLB config object. Default: rewrite in place at the storage version (no
 * outage). `recreate`: pin IPs, delete, re-create from the backup, restore IPs; on failure after
 * the first delete, restore the backup and the IPs before failing.
 */
export async function reapplyConfig(input: ReapplyConfigInput): Promise<RunbookResult> {
  let backup: ConfigBackup | null = null;
  setHandler(backupQuery, () => backup);
  const planned = input.mode === 'recreate' ? recreateSteps : inPlaceSteps;
  const steps = trackSteps('reapply-config', input.cluster, planned);
  return audited({ runbook: 'reapply-config', input, steps, flags: runFlags(input) }, async (trail) => {
    try {
      const run = await prepare(steps, input, (taken) => (backup = taken), trail);
      return await (input.mode === 'recreate' ? reapplyRecreate(run) : reapplyInPlace(run));
    } catch (error) {
      steps.phase('failed');
      throw error;
    }
  });
}
