// `kubectl rollout status` semantics as pure functions, mirroring
// kubectl/pkg/polymorphichelpers/rollout_status.go so a workflow can poll objects it fetched
// through an activity and decide exactly as kubectl would. Pure: no I/O, no clock.

export type RolloutState = { phase: 'done' | 'waiting' | 'failed'; message: string };

// Structural subsets of apps/v1 objects; @kubernetes/client-node's V1Deployment / V1DaemonSet
// (and plain JSON from the API) are assignable. `null` is accepted for JSON-derived input.
export interface ObjectMetaLike {
  name?: string | null;
  generation?: number | null;
}

export interface DeploymentConditionLike {
  type?: string | null;
  reason?: string | null;
}

/** The Deployment status counters kubectl reads. */
export interface DeploymentStatusLike {
  observedGeneration?: number | null;
  replicas?: number | null;
  updatedReplicas?: number | null;
  availableReplicas?: number | null;
  conditions?: readonly DeploymentConditionLike[] | null;
}

/** The Deployment fields kubectl's rollout status reads. */
export interface DeploymentLike {
  metadata?: ObjectMetaLike | null;
  spec?: { replicas?: number | null } | null;
  status?: DeploymentStatusLike | null;
}

/** The DaemonSet status counters kubectl reads. */
export interface DaemonSetStatusLike {
  observedGeneration?: number | null;
  desiredNumberScheduled?: number | null;
  updatedNumberScheduled?: number | null;
  numberAvailable?: number | null;
}

/** The DaemonSet fields kubectl's rollout status reads. */
export interface DaemonSetLike {
  metadata?: ObjectMetaLike | null;
  spec?: { updateStrategy?: { type?: string | null } | null } | null;
  status?: DaemonSetStatusLike | null;
}

// deploymentutil.TimedOutReason: set on the Progressing condition once progressDeadlineSeconds passes.
const timedOutReason = 'ProgressDeadlineExceeded';

// Go's %q on a DNS-1123 name renders the same as a JSON string.
const q = (s: string): string => JSON.stringify(s);

const waiting = (message: string): RolloutState => ({ phase: 'waiting', message });

// Missing status counters are Go zero values.
const n = (v: number | null | undefined): number => v ?? 0;

/** kubectl's wait message for a Deployment whose replicas are not all updated and available, or null. */
function deploymentReplicasWaiting(name: string, desired: number, st: DeploymentStatusLike): RolloutState | null {
  const updated = n(st.updatedReplicas);
  const prefix = `Waiting for deployment ${q(name)} rollout to finish: `;
  if (updated < desired) return waiting(`${prefix}${updated} out of ${desired} new replicas have been updated...`);
  if (n(st.replicas) > updated) {
    return waiting(`${prefix}${n(st.replicas) - updated} old replicas are pending termination...`);
  }
  if (n(st.availableReplicas) < updated) {
    return waiting(`${prefix}${n(st.availableReplicas)} of ${updated} updated replicas are available...`);
  }
  return null;
}

interface ObservedParts<Status> {
  name: string;
  status: Status;
  /** The controller has not yet observed the latest spec (generation ahead of observedGeneration). */
  specPending: boolean;
}

function observedParts<Status extends { observedGeneration?: number | null }>(object: {
  metadata?: ObjectMetaLike | null;
  status?: Status | null;
}): ObservedParts<Status> {
  const status = object.status ?? ({} as Status);
  const specPending = n(object.metadata?.generation) > n(status.observedGeneration);
  return { name: object.metadata?.name ?? '', status, specPending };
}

/** `kubectl rollout status deployment/<name>`, evaluated on one read of the object. */
export function deploymentRolloutStatus(d: DeploymentLike): RolloutState {
  const { name, status: st, specPending } = observedParts(d);
  if (specPending) {
    return waiting('Waiting for deployment spec update to be observed...');
  }
  const progressing = st.conditions?.find((c) => c.type === 'Progressing');
  if (progressing?.reason === timedOutReason) {
    return { phase: 'failed', message: `deployment ${q(name)} exceeded its progress deadline` };
  }
  // The API server defaults spec.replicas to 1; honour that for objects built by hand.
  const replicasWaiting = deploymentReplicasWaiting(name, d.spec?.replicas ?? 1, st);
  return replicasWaiting ?? { phase: 'done', message: `deployment ${q(name)} successfully rolled out` };
}

/** kubectl's wait message for a DaemonSet whose pods are not all updated and available, or null. */
function daemonSetPodsWaiting(name: string, st: DaemonSetStatusLike): RolloutState | null {
  const desired = n(st.desiredNumberScheduled);
  const prefix = `Waiting for daemon set ${q(name)} rollout to finish: `;
  if (n(st.updatedNumberScheduled) < desired) {
    return waiting(`${prefix}${n(st.updatedNumberScheduled)} out of ${desired} new pods have been updated...`);
  }
  if (n(st.numberAvailable) < desired) {
    return waiting(`${prefix}${n(st.numberAvailable)} of ${desired} updated pods are available...`);
  }
  return null;
}

/** `kubectl rollout status daemonset/<name>`, evaluated on one read of the object. */
export function daemonSetRolloutStatus(ds: DaemonSetLike): RolloutState {
  const { name, status: st, specPending } = observedParts(ds);
  // An absent strategy is defaulted to RollingUpdate by the API server.
  if ((ds.spec?.updateStrategy?.type ?? 'RollingUpdate') !== 'RollingUpdate') {
    // kubectl returns an error here (OnDelete has no rollout to watch); we surface it as failed.
    return { phase: 'failed', message: 'rollout status is only available for RollingUpdate strategy type' };
  }
  if (specPending) {
    return waiting('Waiting for daemon set spec update to be observed...');
  }
  return daemonSetPodsWaiting(name, st) ?? { phase: 'done', message: `daemon set ${q(name)} successfully rolled out` };
}

// Labels the controllers stamp on pods to record which template revision they run.
export const deploymentHashLabel = 'pod-template-hash';
export const daemonSetHashLabel = 'controller-revision-hash';
export type TemplateHashLabel = typeof deploymentHashLabel | typeof daemonSetHashLabel;

export interface PodLike {
  metadata?: { name?: string | null; labels?: Readonly<Record<string, string>> | null } | null;
}

/** Names of pods not running the current template (label missing or different). */
export function podsNotOnTemplate(
  pods: readonly PodLike[],
  currentHash: string,
  hashLabel: TemplateHashLabel,
): string[] {
  return pods.filter((p) => p.metadata?.labels?.[hashLabel] !== currentHash).map((p) => p.metadata?.name ?? '');
}

export const restartedAtAnnotation = 'kubectl.kubernetes.io/restartedAt';

export interface RestartPatch {
  spec: { template: { metadata: { annotations: { [restartedAtAnnotation]: string } } } };
}

/**
 * JSON merge patch body `kubectl rollout restart` applies: changing a template annotation makes
 * the controller roll every pod. kubectl uses the current time (RFC3339); callers pass it in.
 */
export function restartPatch(token: string): RestartPatch {
  return { spec: { template: { metadata: { annotations: { [restartedAtAnnotation]: token } } } } };
}
