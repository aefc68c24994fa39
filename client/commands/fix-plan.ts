// `--dry-run`: reads the cluster with the CLI's own credentials and prints what the runbook would
// do, step by step from the runbook's step table (domain/runbooks/steps.ts), with what this
// cluster adds to each step. Writes nothing, starts no workflow.
import type { KubeConfig } from '@kubernetes/client-node';
import { ApplicationFailure } from '@temporalio/common';
import { exportMetallbConfig } from '../../kube/export-config.js';
import { findMetallbWorkloads, type MetallbWorkloads } from '../../kube/metallb-workloads.js';
import { findOrphanedServices } from '../../kube/orphaned-services.js';
import { kubeApis, type KubeApis } from '../../kube/apis.js';
import { readClusterFacts } from '../../kube/cluster-facts.js';
import { creationOrder, deletionOrder, entryRef } from '../../domain/runbooks/backup.js';
import type { RunbookName } from '../../domain/runbooks/names.js';
import { pinMechanismFor, planPins } from '../../domain/runbooks/pins.js';
import {
  cleanupOrphansSteps,
  compensationSteps,
  inPlaceSteps,
  recreateSteps,
  restartControllerSteps,
  restartSpeakersSteps,
  type AnyStep,
} from '../../domain/runbooks/steps.js';

/** Which runbook to plan, as the command line asked for it. */
export interface PlanRequest {
  runbook: RunbookName;
  recreate: boolean;
  services: string[];
}

/** A plan that cannot be carried out (e.g. a named Service that is healthy). Exit code 1. */
export class PlanRefused extends Error {
  readonly exitCode = 1;
}

/** What this cluster adds to a step, by step id. */
type StepFacts = Record<string, string[]>;

/** One line per step: its title, what it does, and what this cluster adds. */
function stepLines(steps: readonly AnyStep[], facts: StepFacts, first = 1): string[] {
  return steps.map((step, index) => {
    const seen = facts[step.id] ?? [];
    return [`${first + index}. ${step.title}: ${step.does}`, ...seen].join('; ');
  });
}

const servedCount = (facts: Awaited<ReturnType<typeof readClusterFacts>>) =>
  `${facts.services.filter((s) => s.served).length} MetalLB Service(s) recorded before and compared after`;

async function restartPlan(kube: KubeApis, metallb: MetallbWorkloads, component: 'controller' | 'speaker') {
  const facts = await readClusterFacts(kube, metallb);
  const target =
    component === 'controller'
      ? `Deployment ${metallb.namespace}/${metallb.controller}`
      : `DaemonSet ${metallb.namespace}/${metallb.speaker ?? '(none found)'}`;
  const steps = component === 'controller' ? restartControllerSteps : restartSpeakersSteps;
  return stepLines(Object.values(steps), {
    locate: [`MetalLB in ${metallb.namespace}`],
    'record-ips': [servedCount(facts)],
    restart: [`target: ${target}`],
  });
}

async function recreateFacts(kube: KubeApis, metallb: MetallbWorkloads): Promise<StepFacts> {
  const [backup, facts] = await Promise.all([
    exportMetallbConfig(kube, { namespace: metallb.namespace }),
    readClusterFacts(kube, metallb),
  ]);
  const pins = planPins(facts);
  const mechanism = pinMechanismFor(metallb.version);
  if ('refusal' in mechanism) throw new PlanRefused(mechanism.refusal);
  const pinLine = pins.pin.map((p) => `${p.service}=${p.ips.join(',')}`).join(', ') || 'none';
  return {
    'record-ips': [servedCount(facts)],
    'export-config': [`${backup.objects.length} object(s): ${backup.objects.map(entryRef).join(', ') || 'none'}`],
    'pin-ips': [
      `pin ${pins.pin.length} Service(s) to their current IPs: ${pinLine}`,
      `with ${mechanism.annotations.join(' and ')} (${mechanism.reason})`,
      `watch ${pins.alreadyRequested.length} Service(s) that already request their IPs`,
    ],
    'delete-config': [`delete in this order: ${deletionOrder(backup.objects).map(entryRef).join(', ') || 'nothing'}`],
    'recreate-config': [
      `re-create in this order: ${creationOrder(backup.objects).map(entryRef).join(', ') || 'nothing'}`,
    ],
  };
}

async function reapplyPlan(kube: KubeApis, metallb: MetallbWorkloads, recreate: boolean): Promise<string[]> {
  if (!recreate) {
    const [backup, facts] = await Promise.all([
      exportMetallbConfig(kube, { namespace: metallb.namespace }),
      readClusterFacts(kube, metallb),
    ]);
    return stepLines(inPlaceSteps, {
      'record-ips': [servedCount(facts)],
      'export-config': [`${backup.objects.length} object(s): ${backup.objects.map(entryRef).join(', ') || 'none'}`],
    });
  }
  const facts = await recreateFacts(kube, metallb);
  return [
    ...stepLines(recreateSteps, facts),
    'on any failure after the first delete: restore the backup and the IPs, then fail, with these steps:',
    ...stepLines(compensationSteps, {}, recreateSteps.length + 1),
  ];
}

function describeOrphan(orphan: Awaited<ReturnType<typeof findOrphanedServices>>['orphans'][number]): string {
  const fields = [...(orphan.removeLoadBalancerIP ? ['spec.loadBalancerIP'] : []), ...orphan.removeAnnotations];
  const clear = orphan.clearIngress ? '; clear status.loadBalancer if the IP is still in no pool' : '';
  return (
    `${orphan.service} (${orphan.ips.join(', ') || 'no IP'}): ${orphan.reasons.join('; ')} => ` +
    `remove ${fields.join(', ') || 'nothing'}${clear}`
  );
}

async function cleanupPlan(kube: KubeApis, metallb: MetallbWorkloads, services: string[]): Promise<string[]> {
  try {
    const found = await findOrphanedServices(kube, { ...metallb, services });
    if (found.orphans.length === 0) return ['no orphaned Service: nothing would change'];
    return stepLines(Object.values(cleanupOrphansSteps), { 'find-orphans': found.orphans.map(describeOrphan) });
  } catch (error) {
    if (error instanceof ApplicationFailure && error.type === 'ServiceNotOrphaned')
      throw new PlanRefused(error.message);
    throw error;
  }
}

/** The dry-run text of a runbook on this cluster, one line per step. */
export async function planLines(kc: KubeConfig, request: PlanRequest): Promise<string[]> {
  const kube = kubeApis(kc);
  const metallb = await findMetallbWorkloads(kube);
  switch (request.runbook) {
    case 'restart-controller':
      return restartPlan(kube, metallb, 'controller');
    case 'restart-speakers':
      return restartPlan(kube, metallb, 'speaker');
    case 'reapply-config':
      return reapplyPlan(kube, metallb, request.recreate);
    case 'cleanup-orphans':
      return cleanupPlan(kube, metallb, request.services);
  }
}
