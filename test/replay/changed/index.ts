// restartController as a careless change would leave it: a new durable timer ("let things settle")
// inserted before the restart. Replaying a recorded run must fail with a determinism error.
import { proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';
import type { RunbookActivities } from '../../../activities/index.js';
import type { RunbookInput } from '../../../domain/runbooks/types.js';

const kube = proxyActivities<RunbookActivities>({ startToCloseTimeout: '1m' });

export async function restartController(input: RunbookInput): Promise<string> {
  const m = await kube.findMetallbWorkloads();
  await kube.readClusterFacts({ namespace: m.namespace, lbClass: m.lbClass });
  await sleep('10s');
  await kube.restartWorkload({
    kind: 'Deployment',
    namespace: m.namespace,
    name: m.controller,
    token: workflowInfo().runStartTime.toISOString(),
  });
  return input.cluster;
}
