// Check 7: the controller Deployment and speaker DaemonSet (raw manifests or Helm): availability,
// rollouts (kubectl rollout-status semantics from rollout.ts), crash loops and recent restarts.
import type { DaemonSet, Deployment, Pod } from '../kube-schemas.js';
import { daemonSetRolloutStatus, deploymentRolloutStatus, type RolloutState } from '../rollout.js';
import type { DiagnoseContext, Rule, Workload } from './context.js';
import { findingsOf } from './finding.js';
import { manualFix, restartControllerFix, restartSpeakersFix } from './fixes.js';
import type { Finding, Fix, ObjectRef } from './report.js';
import { metallbInstalled } from './version-crds.js';

const finding = findingsOf('workload-health');

type Component = 'controller' | 'speaker';
type ContainerStatus = NonNullable<NonNullable<Pod['status']>['containerStatuses']>[number];

const HOUR_MS = 3_600_000;
const BROKEN_WAITING = new Set([
  'CrashLoopBackOff',
  'ImagePullBackOff',
  'ErrImagePull',
  'CreateContainerConfigError',
  'CreateContainerError',
  'RunContainerError',
  'InvalidImageName',
]);

const restartFix = (component: Component): Fix =>
  component === 'controller'
    ? restartControllerFix('Rolls the controller Deployment and waits for it to become available.')
    : restartSpeakersFix('Rolls the speaker DaemonSet and waits until every node runs a ready speaker.');

const ref = (o: Deployment | DaemonSet | Pod): ObjectRef => ({
  kind: o.kind,
  namespace: o.metadata.namespace ?? null,
  name: o.metadata.name,
});
const nameOf = (o: Deployment | DaemonSet | Pod): string => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;

const isPodReady = (pod: Pod): boolean => pod.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';

// ---------------------------------------------------------------------------------------------
// Availability and rollout

interface Availability {
  desired: number;
  available: number;
}

function scaledToZero(component: Component, w: Workload<Deployment | DaemonSet>, objects: ObjectRef[]): Finding {
  const ns = w.object.metadata.namespace;
  return finding({
    id: `${component}-scaled-to-zero`,
    severity: 'error',
    title:
      `${component === 'controller' ? 'Controller Deployment' : 'Speaker DaemonSet'} ${nameOf(w.object)} ` +
      `wants 0 replicas`,
    detail:
      component === 'controller'
        ? 'Nothing allocates or clears IPs.'
        : 'No node runs a speaker, so no IP is announced (check nodeSelector and tolerations).',
    objects,
    fix:
      component === 'controller'
        ? manualFix(
            `kubectl -n ${ns} scale deployment ${w.object.metadata.name} --replicas=1`,
            'Scale the controller back to one replica.',
          )
        : null,
  });
}

function availabilityFindings(component: Component, w: Workload<Deployment | DaemonSet>, a: Availability): Finding[] {
  const notReady = w.pods.filter((p) => !isPodReady(p));
  const objects = [ref(w.object), ...notReady.map(ref)];
  if (a.desired === 0) return [scaledToZero(component, w, objects)];
  if (a.available >= a.desired) return [];
  const what =
    component === 'controller' ? `Controller Deployment ${nameOf(w.object)}` : `Speaker DaemonSet ${nameOf(w.object)}`;
  const none = a.available === 0;
  return [
    finding({
      id: none ? `${component}-unavailable` : `${component}-partially-available`,
      severity: none ? 'error' : 'warning',
      title: `${what} has ${a.available} of ${a.desired} ${component === 'controller' ? 'replicas' : 'pods'} available`,
      detail:
        component === 'controller'
          ? 'IPs are not allocated, cleared or moved, and the webhooks (and BGPPeer conversion) fail.'
          : 'Nodes without a ready speaker do not announce IPs.',
      objects,
      fix: restartFix(component),
      data: { desired: a.desired, available: a.available, podsNotReady: notReady.map((p) => p.metadata.name) },
    }),
  ];
}

function rolloutFindings(
  component: Component,
  w: Workload<Deployment | DaemonSet>,
  state: RolloutState,
  availabilityReported: boolean,
): Finding[] {
  // OnDelete DaemonSets have no rollout to watch (kubectl errors); that is not a fault.
  if (state.phase === 'done' || state.message.includes('RollingUpdate strategy')) return [];
  const generation = w.object.metadata.generation ?? 0;
  const observed = w.object.status?.observedGeneration ?? 0;
  const objects = [ref(w.object)];
  if (state.phase === 'failed') {
    const detail = 'The Progressing condition reports ProgressDeadlineExceeded: new pods never became available.';
    const title = `${state.message} (${nameOf(w.object)})`;
    const data = { rollout: state.message };
    return [
      finding({
        id: `${component}-rollout-stuck`,
        severity: 'error',
        title,
        detail,
        objects,
        fix: restartFix(component),
        data,
      }),
    ];
  }
  if (generation > observed) {
    const title = `${nameOf(w.object)}: generation ${generation} not yet observed (status at ${observed})`;
    const detail =
      'The workload controller has not processed the latest spec; kube-controller-manager may be down or slow.';
    const data = { generation, observedGeneration: observed };
    return [finding({ id: `${component}-rollout-not-observed`, severity: 'warning', title, detail, objects, data })];
  }
  if (availabilityReported) return [];
  const title = state.message.replace(/\.\.\.$/, '');
  const detail = 'A rollout is in progress; it is only a problem if it does not finish.';
  return [
    finding({
      id: `${component}-rollout-incomplete`,
      severity: 'warning',
      title,
      detail,
      objects,
      data: { rollout: state.message },
    }),
  ];
}

function deploymentFindings(w: Workload<Deployment>): Finding[] {
  const d = w.object;
  const counts = { desired: d.spec?.replicas ?? 1, available: d.status?.availableReplicas ?? 0 };
  const availability = availabilityFindings('controller', w, counts);
  return [...availability, ...rolloutFindings('controller', w, deploymentRolloutStatus(d), availability.length > 0)];
}

function daemonSetFindings(w: Workload<DaemonSet>): Finding[] {
  const ds = w.object;
  const counts = { desired: ds.status?.desiredNumberScheduled ?? 0, available: ds.status?.numberAvailable ?? 0 };
  const availability = availabilityFindings('speaker', w, counts);
  return [...availability, ...rolloutFindings('speaker', w, daemonSetRolloutStatus(ds), availability.length > 0)];
}

// ---------------------------------------------------------------------------------------------
// Pods

function crashLooping(component: Component, pod: Pod, c: ContainerStatus, reason: string): Finding {
  const fix = reason.includes('Image')
    ? manualFix(
        `kubectl -n ${pod.metadata.namespace} describe pod ${pod.metadata.name}`,
        'Fix the image reference or registry access; a restart does not help.',
      )
    : restartFix(component);
  return finding({
    id: `${component}-pod-crashlooping`,
    severity: 'error',
    title: `Pod ${nameOf(pod)} container ${c.name} is ${reason} (${c.restartCount ?? 0} restarts)`,
    detail:
      c.state?.waiting?.message ?? 'The container does not stay up; read its previous log (kubectl logs --previous).',
    objects: [ref(pod)],
    fix,
    data: { container: c.name, reason, restarts: c.restartCount ?? 0 },
  });
}

function restartedRecently(component: Component, pod: Pod, c: ContainerStatus): Finding {
  const reason = c.lastState?.terminated?.reason ?? 'unknown reason';
  return finding({
    id: `${component}-pod-restarted`,
    severity: 'warning',
    title:
      `Pod ${nameOf(pod)} container ${c.name} restarted ${c.restartCount} time(s), last at ` +
      `${c.lastState?.terminated?.finishedAt} (${reason})`,
    detail:
      'A restart loses in-memory state (allocations are rebuilt from Service status); OOMKilled suggests ' +
      'raising the memory limit.',
    objects: [ref(pod)],
    data: { container: c.name, restarts: c.restartCount ?? 0, reason },
  });
}

function containerFindings(component: Component, pod: Pod, windowStart: number): Finding[] {
  return (pod.status?.containerStatuses ?? []).flatMap((c) => {
    const waiting = c.state?.waiting?.reason ?? '';
    const finishedAt = c.lastState?.terminated?.finishedAt;
    if (BROKEN_WAITING.has(waiting)) return [crashLooping(component, pod, c, waiting)];
    const recent = (c.restartCount ?? 0) > 0 && finishedAt != null && Date.parse(finishedAt) >= windowStart;
    return recent ? [restartedRecently(component, pod, c)] : [];
  });
}

function podFindings(ctx: DiagnoseContext, component: Component, pod: Pod, availabilityReported: boolean): Finding[] {
  const windowStart = ctx.snapshot.logsSince ? Date.parse(ctx.snapshot.logsSince) : ctx.now - HOUR_MS;
  const containers = containerFindings(component, pod, windowStart);
  if (containers.length > 0 || availabilityReported || !pod.status || isPodReady(pod)) return containers;
  return [
    finding({
      id: `${component}-pod-not-ready`,
      severity: 'warning',
      title: `Pod ${nameOf(pod)} is not Ready (phase ${pod.status.phase ?? 'unknown'})`,
      detail: 'Ready means the webhook/metrics listener is serving, not that the config is valid.',
      objects: [ref(pod)],
      fix: restartFix(component),
    }),
  ];
}

function workloadPods(
  ctx: DiagnoseContext,
  component: Component,
  workloads: readonly Workload<Deployment | DaemonSet>[],
  reported: boolean,
): Finding[] {
  return workloads.flatMap((w) => w.pods.flatMap((p) => podFindings(ctx, component, p, reported)));
}

// ---------------------------------------------------------------------------------------------
// Missing workloads

function missingWorkloads(ctx: DiagnoseContext): Finding[] {
  if (!metallbInstalled(ctx)) return [];
  if (ctx.controllerState === 'unknown') {
    return [
      finding({
        id: 'workloads-not-in-input',
        severity: 'info',
        title: 'The input has no Deployments or DaemonSets, so MetalLB workload health was not checked',
        detail: "Include the MetalLB namespace's deployments, daemonsets and pods in the dump to check them.",
      }),
    ];
  }
  const ns = ctx.namespace ?? 'metallb-system';
  const findings: Finding[] = [];
  if (ctx.controllerState === 'missing') {
    findings.push(
      finding({
        id: 'controller-missing',
        severity: 'error',
        title: `No MetalLB controller Deployment found in ${ns}`,
        detail:
          'MetalLB CRDs or resources exist but no controller (labels app=metallb,component=controller or ' +
          'app.kubernetes.io/component=controller) runs: nothing allocates IPs.',
        fix: manualFix(
          `kubectl -n ${ns} get deployments,daemonsets -o wide`,
          'Reinstall the MetalLB controller (same manifests or Helm release as the CRDs).',
        ),
      }),
    );
  }
  if (ctx.speakers.length === 0) {
    findings.push(
      finding({
        id: 'speaker-missing',
        severity: 'error',
        title: `No MetalLB speaker DaemonSet found in ${ns}`,
        detail: 'Without speakers no IP is announced.',
        fix: manualFix(`kubectl -n ${ns} get daemonsets -o wide`, 'Reinstall the MetalLB speaker DaemonSet.'),
      }),
    );
  }
  return findings;
}

export const findWorkloadProblems: Rule = (ctx) => {
  const controllers = ctx.controllers.flatMap(deploymentFindings);
  const speakers = ctx.speakers.flatMap(daemonSetFindings);
  return [
    ...missingWorkloads(ctx),
    ...controllers,
    ...speakers,
    ...workloadPods(ctx, 'controller', ctx.controllers, controllers.length > 0),
    ...workloadPods(ctx, 'speaker', ctx.speakers, speakers.length > 0),
  ];
};
