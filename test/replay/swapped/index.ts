// restartController with one activity swapped for another at the same position (the record step
// exports the config instead of reading Service IPs). Replay alone accepts this; the activity
// trace must not.
import { proxyActivities } from '@temporalio/workflow';
import type { RunbookActivities } from '../../../activities/index.js';
import type { RunbookInput } from '../../../domain/runbooks/types.js';

const kube = proxyActivities<RunbookActivities>({ startToCloseTimeout: '1m' });
const waits = proxyActivities<RunbookActivities>({ startToCloseTimeout: '1m' });

export async function restartController(input: RunbookInput): Promise<string> {
  const m = await kube.findMetallbWorkloads();
  await kube.exportMetallbConfig({ namespace: m.namespace });
  const r = await kube.restartWorkload({ kind: 'Deployment', namespace: m.namespace, name: m.controller, token: 'x' });
  const rollout = await waits.waitForRolloutComplete({
    kind: 'Deployment',
    namespace: m.namespace,
    name: m.controller,
    generation: r.generation,
    deadline: 'x',
  });
  await waits.checkControllerLog({ namespace: m.namespace, pods: rollout.pods.map((p) => p.name), deadline: 'x' });
  await waits.waitForServiceIpsInPools({ namespace: m.namespace, lbClass: m.lbClass, mustHaveIp: [], deadline: 'x' });
  return input.cluster;
}
