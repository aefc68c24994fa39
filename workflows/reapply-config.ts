import { setHandler } from '@temporalio/workflow';
import type { ConfigBackup } from '../domain/runbooks/backup.js';
import { withLimits, type ReapplyConfigInput, type RunbookResult } from '../domain/runbooks/types.js';
import { kube } from './activity-options.js';
import { backupQuery } from './messages.js';
import { trackProgress, type Tracker } from './progress-tracker.js';
import { reapplyInPlace } from './reapply-in-place.js';
import { reapplyRecreate } from './reapply-recreate.js';
import { inPlaceSteps, reapplySteps as S, recreateSteps } from './reapply-steps.js';
import type { ReapplyRun } from './reapply-run.js';

async function prepare(
  t: Tracker,
  input: ReapplyConfigInput,
  onBackup: (b: ConfigBackup) => void,
): Promise<ReapplyRun> {
  const startedAt = new Date().toISOString();
  const m = await t.step(
    S.locate,
    null,
    () => kube.findMetallbWorkloads(),
    (w) => `MetalLB in ${w.namespace}`,
  );
  const scope = { namespace: m.namespace, lbClass: m.lbClass };
  const before = await t.step(
    S.recordIps,
    null,
    () => kube.readClusterFacts(scope),
    (f) => `${f.services.filter((s) => s.served).length} MetalLB Service(s)`,
  );
  // The backup is this activity's result: it lives in the workflow history.
  const backup = await t.step(
    S.exportConfig,
    null,
    () => kube.exportMetallbConfig({ namespace: m.namespace }),
    (b) => `${b.objects.length} object(s), ${b.secrets.length} referenced Secret(s) by name`,
  );
  onBackup(backup);
  return { t, input, limits: withLimits(input), startedAt, m, scope, before, backup };
}

/**
 * Re-applies every MetalLB config object. Default: rewrite in place at the storage version (no
 * outage). `recreate`: pin IPs, delete, re-create from the backup, restore IPs; on failure after
 * the first delete, restore the backup and the IPs before failing.
 */
export async function reapplyConfig(input: ReapplyConfigInput): Promise<RunbookResult> {
  let backup: ConfigBackup | null = null;
  setHandler(backupQuery, () => backup);
  const t = trackProgress('reapply-config', input.cluster, input.mode === 'recreate' ? recreateSteps : inPlaceSteps);
  try {
    const run = await prepare(t, input, (b) => (backup = b));
    return await (input.mode === 'recreate' ? reapplyRecreate(run) : reapplyInPlace(run));
  } catch (error) {
    t.phase('failed');
    throw error;
  }
}
