import { judgeRollout, type PodFacts, type WorkloadKind } from '../domain/runbooks/rollout-check.js';
import type { KubeApis } from '../kube/apis.js';
import { runbookFailure } from '../kube/call.js';
import { pollUntil } from './poll.js';
import { readWorkload } from '../kube/workload-pods.js';

/** The rollout to wait for and its deadline. */
export interface RolloutWait {
  kind: WorkloadKind;
  namespace: string;
  name: string;
  generation: number;
  deadline: string;
}

/** The finished rollout and its pods. */
export interface RolloutDone {
  message: string;
  pods: PodFacts[];
}

/** Polls the workload until kubectl would call the rollout done and no old pod is left. */
export async function waitForRolloutComplete(kube: KubeApis, w: RolloutWait): Promise<RolloutDone> {
  const what = `${w.kind} ${w.namespace}/${w.name} to finish rolling out generation ${w.generation}`;
  return pollUntil({ what, deadline: w.deadline }, async () => {
    const read = await readWorkload(kube, w.kind, w.namespace, w.name);
    const verdict = judgeRollout({ kind: w.kind, generation: w.generation, ...read });
    if (verdict.failed) throw runbookFailure('RolloutFailed', `${w.kind} ${w.namespace}/${w.name}: ${verdict.message}`);
    return verdict.done
      ? { done: true, value: { message: verdict.message, pods: read.pods } }
      : { done: false, seen: verdict.message };
  });
}
