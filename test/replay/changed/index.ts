// restartController as a careless change would leave it: a new durable timer ("let things settle")
// inserted before the restart. Replaying a recorded run must fail with a determinism error.
import { proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';
import type { RunbookActivities } from '../../../activities/index.js';
import type { RunbookInput } from '../../../domain/runbooks/types.js';

const clusterActivities = proxyActivities<RunbookActivities>({ startToCloseTimeout: '1m' });

export async function restartController(input: RunbookInput): Promise<string> {
  const metallb = await clusterActivities.findMetallbWorkloads();
  await clusterActivities.readClusterFacts({ namespace: metallb.namespace, lbClass: metallb.lbClass });
  await sleep('10s');
  await clusterActivities.restartWorkload({
    kind: 'Deployment',
    namespace: metallb.namespace,
    name: metallb.controller,
    token: workflowInfo().runStartTime.toISOString(),
  });
  return input.cluster;
}
