// `--dry-run`: reads the cluster with the CLI's own credentials and prints what the runbook would
// do. Writes nothing, starts no workflow.
import type { KubeConfig } from '@kubernetes/client-node';
import { ApplicationFailure } from '@temporalio/common';
import { exportMetallbConfig } from '../../kube/export-config.js';
import { findMetallbWorkloads, type MetallbWorkloads } from '../../kube/metallb-workloads.js';
import { findOrphanedServices } from '../../kube/orphaned-services.js';
import { kubeApis, type KubeApis } from '../../kube/apis.js';
import { readClusterFacts } from '../../kube/cluster-facts.js';
import { creationOrder, deletionOrder, entryRef } from '../../domain/runbooks/backup.js';
import type { RunbookName } from '../../domain/runbooks/names.js';
import { planPins } from '../../domain/runbooks/pins.js';

export interface PlanRequest {
  runbook: RunbookName;
  recreate: boolean;
  services: string[];
}

/** A plan that cannot be carried out (e.g. a named Service that is healthy). Exit code 1. */
export class PlanRefused extends Error {
  readonly exitCode = 1;
}

const servicesLine = (facts: Awaited<ReturnType<typeof readClusterFacts>>) =>
  `${facts.services.filter((s) => s.served).length} MetalLB Service(s) recorded before and compared after`;

async function restartPlan(
  kube: KubeApis,
  m: MetallbWorkloads,
  component: 'controller' | 'speaker',
): Promise<string[]> {
  const facts = await readClusterFacts(kube, m);
  const target =
    component === 'controller'
      ? `Deployment ${m.namespace}/${m.controller}`
      : `DaemonSet ${m.namespace}/${m.speaker ?? '(none found)'}`;
  return [
    `patch ${target}: spec.template.metadata.annotations["kubectl.kubernetes.io/restartedAt"] = <workflow start time>`,
    `wait until the rollout is observed complete (new generation observed, every pod replaced and ready, no old pod left)`,
    component === 'controller'
      ? 'wait for the new controller to log "config reloaded"; fail on any config or allocation error in its log'
      : 'fail if a new speaker reports a rejected configuration (log or ConfigurationState)',
    `wait until every Service IP is inside a pool; ${servicesLine(facts)}`,
  ];
}

async function reapplyPlan(kube: KubeApis, m: MetallbWorkloads, recreate: boolean): Promise<string[]> {
  const [backup, facts] = await Promise.all([
    exportMetallbConfig(kube, { namespace: m.namespace }),
    readClusterFacts(kube, m),
  ]);
  const lines = [
    `back up ${backup.objects.length} object(s) into the workflow history: ${backup.objects.map(entryRef).join(', ') || 'none'}`,
  ];
  if (!recreate)
    return [
      ...lines,
      'rewrite each object unchanged (re-encoded at the storage version); no deletion',
      'drop old versions from CRD storedVersions',
      servicesLine(facts),
    ];
  const pins = planPins(facts);
  return [
    ...lines,
    `pin ${pins.pin.length} Service(s) to their current IPs: ${pins.pin.map((p) => `${p.service}=${p.ips.join(',')}`).join(', ') || 'none'}`,
    `watch ${pins.alreadyRequested.length} Service(s) that already request their IPs`,
    `delete in this order: ${deletionOrder(backup.objects).map(entryRef).join(', ') || 'nothing'}`,
    'wait until the controller has processed the deletions (pinned Services cleared, or "config reloaded" logged)',
    `re-create in this order: ${creationOrder(backup.objects).map(entryRef).join(', ') || 'nothing'} (pools with autoAssign off until the pins hold)`,
    'wait until every pinned Service has its IP back, restore autoAssign, remove only the pins this run added',
    'on any failure after the first delete: restore the backup and the IPs, then fail',
  ];
}

async function cleanupPlan(kube: KubeApis, m: MetallbWorkloads, services: string[]): Promise<string[]> {
  try {
    const found = await findOrphanedServices(kube, { ...m, services });
    if (found.orphans.length === 0) return ['no orphaned Service: nothing would change'];
    return found.orphans.map((o) => {
      const fields = [...(o.removeLoadBalancerIP ? ['spec.loadBalancerIP'] : []), ...o.removeAnnotations];
      const clear = o.clearIngress ? '; clear status.loadBalancer if the IP is still in no pool' : '';
      return `${o.service} (${o.ips.join(', ') || 'no IP'}): ${o.reasons.join('; ')} => remove ${fields.join(', ') || 'nothing'}${clear}; wait for a new IP inside a pool`;
    });
  } catch (error) {
    if (error instanceof ApplicationFailure && error.type === 'ServiceNotOrphaned')
      throw new PlanRefused(error.message);
    throw error;
  }
}

export async function planLines(kc: KubeConfig, request: PlanRequest): Promise<string[]> {
  const kube = kubeApis(kc);
  const m = await findMetallbWorkloads(kube);
  switch (request.runbook) {
    case 'restart-controller':
      return restartPlan(kube, m, 'controller');
    case 'restart-speakers':
      return restartPlan(kube, m, 'speaker');
    case 'reapply-config':
      return reapplyPlan(kube, m, request.recreate);
    case 'cleanup-orphans':
      return cleanupPlan(kube, m, request.services);
  }
}
