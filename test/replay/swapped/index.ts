// restartController with one activity swapped for another at the same position (the record step
// exports the config instead of reading Service IPs). Replay alone accepts this; the activity
// trace must not.
import { proxyActivities } from '@temporalio/workflow';
import type { RunbookActivities } from '../../../activities/index.js';
import type { RunbookInput } from '../../../domain/runbooks/types.js';

const clusterActivities = proxyActivities<RunbookActivities>({ startToCloseTimeout: '1m' });
const waitActivities = proxyActivities<RunbookActivities>({ startToCloseTimeout: '1m' });

export async function restartController(input: RunbookInput): Promise<string> {
  const metallb = await clusterActivities.findMetallbWorkloads();
  await clusterActivities.exportMetallbConfig({ namespace: metallb.namespace });
  const restarted = await clusterActivities.restartWorkload({
    kind: 'Deployment',
    namespace: metallb.namespace,
    name: metallb.controller,
    token: 'x',
  });
  const rollout = await waitActivities.waitForRolloutComplete({
    kind: 'Deployment',
    namespace: metallb.namespace,
    name: metallb.controller,
    generation: restarted.generation,
    deadline: 'x',
  });
  await waitActivities.checkControllerLog({
    namespace: metallb.namespace,
    pods: rollout.pods.map((pod) => pod.name),
    deadline: 'x',
  });
  await waitActivities.waitForServiceIpsInPools({
    namespace: metallb.namespace,
    lbClass: metallb.lbClass,
    mustHaveIp: [],
    deadline: 'x',
  });
  return input.cluster;
}
