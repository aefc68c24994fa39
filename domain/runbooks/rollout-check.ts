// When a restart's rollout is really over: kubectl's rollout-status verdict, plus every pod on the
// new template and ready, and no pod of the old template left (not even terminating).
import {
  daemonSetRolloutStatus,
  deploymentRolloutStatus,
  podsNotOnTemplate,
  type DaemonSetLike,
  type DeploymentLike,
  type TemplateHashLabel,
} from '../rollout.js';

/** The two workloads MetalLB runs. */
export type WorkloadKind = 'Deployment' | 'DaemonSet';

/** A pod of the workload, reduced to what the rollout check reads. */
export interface PodFacts {
  name: string;
  node: string | null;
  labels: Record<string, string>;
  ready: boolean;
  terminating: boolean;
}

/** Whether a rollout is over, failed, or what it still waits for. */
export interface RolloutVerdict {
  done: boolean;
  failed: boolean;
  /** What is still awaited, or what the finished rollout looks like. */
  message: string;
}

/** What was read of a workload and its pods at one poll. */
export interface RolloutObservation {
  kind: WorkloadKind;
  workload: DeploymentLike | DaemonSetLike;
  /** The generation the restart patch produced: the controller must have observed at least this. */
  generation: number;
  /** pod-template-hash / controller-revision-hash of the current template; null if not known yet. */
  currentHash: string | null;
  pods: PodFacts[];
}

const hashLabelOf = (kind: WorkloadKind): TemplateHashLabel =>
  kind === 'Deployment' ? 'pod-template-hash' : 'controller-revision-hash';

function statusOf(o: RolloutObservation) {
  return o.kind === 'Deployment'
    ? deploymentRolloutStatus(o.workload as DeploymentLike)
    : daemonSetRolloutStatus(o.workload as DaemonSetLike);
}

function expectedPods(o: RolloutObservation): number {
  if (o.kind === 'Deployment') return (o.workload as DeploymentLike).spec?.replicas ?? 1;
  return (o.workload as DaemonSetLike).status?.desiredNumberScheduled ?? 0;
}

/** Is the rollout to `generation` done: kubectl's verdict, every pod new and ready, none old left. */
export function judgeRollout(o: RolloutObservation): RolloutVerdict {
  const observed = o.workload.status?.observedGeneration ?? 0;
  if (observed < o.generation)
    return { done: false, failed: false, message: `controller has observed generation ${observed} of ${o.generation}` };
  const status = statusOf(o);
  if (status.phase === 'failed') return { done: false, failed: true, message: status.message };
  if (status.phase === 'waiting') return { done: false, failed: false, message: status.message };
  if (o.currentHash === null)
    return { done: false, failed: false, message: 'the current template revision is not known yet' };
  const asPods = o.pods.map((p) => ({ metadata: { name: p.name, labels: p.labels } }));
  const old = podsNotOnTemplate(asPods, o.currentHash, hashLabelOf(o.kind));
  if (old.length > 0) return { done: false, failed: false, message: `old pods still present: ${old.join(', ')}` };
  const notReady = o.pods.filter((p) => !p.ready || p.terminating).map((p) => p.name);
  if (notReady.length > 0) return { done: false, failed: false, message: `pods not ready: ${notReady.join(', ')}` };
  const expected = expectedPods(o);
  if (o.pods.length < expected)
    return { done: false, failed: false, message: `${o.pods.length} of ${expected} pods exist` };
  return {
    done: true,
    failed: false,
    message: `${status.message}; ${o.pods.length} pod(s) on the new template and ready`,
  };
}

/**
 * Why a rollout restart of this workload would do nothing, or null: a DaemonSet whose update
 * strategy is not RollingUpdate replaces no pod when its template changes. Decided before any write.
 */
export function restartRefusal(kind: WorkloadKind, ref: string, updateStrategy: string | undefined): string | null {
  // An absent strategy is defaulted to RollingUpdate by the API server.
  const strategy = updateStrategy ?? 'RollingUpdate';
  if (kind !== 'DaemonSet' || strategy === 'RollingUpdate') return null;
  return (
    `DaemonSet ${ref} uses updateStrategy ${strategy}: a rollout restart would replace no pod; nothing was ` +
    'changed. Delete the speaker pods one at a time, or switch it to RollingUpdate'
  );
}
