// Planner test helpers: a cluster snapshot built in code, desired objects as the loader gives them,
// and a replay of every prefix of a plan's steps.
import { expect } from 'vitest';
import { indexNamespaces } from '../../../domain/diagnose/pools.js';
import { isServedByMetallb, viewService } from '../../../domain/diagnose/services.js';
import { liveConfigIn, planChange } from '../../../domain/plan/plan.js';
import { checkSequence } from '../../../domain/plan/sequence.js';
import type { ChangePlan, ConfigObject, PlanInput, PruneScope } from '../../../domain/plan/types.js';
import type { ClusterSnapshot } from '../../../domain/snapshot.js';
import { NS, snapshot } from '../diagnose/builders.js';

type Obj = Record<string, unknown>;

/** A builder object (pool(...), l2Adv(...)) as a desired document of `desired.yaml`. */
export function desired(object: Obj, document = 0): ConfigObject {
  const metadata = object['metadata'] as { name: string; labels?: Record<string, string> };
  return {
    kind: object['kind'] as ConfigObject['kind'],
    apiVersion: object['apiVersion'] as string,
    name: metadata.name,
    namespace: NS,
    labels: metadata.labels ?? {},
    manifest: object,
    source: { file: 'desired.yaml', document, line: 1 + document * 10 },
  };
}

export interface PlanOptions {
  prune?: PruneScope | null;
  allowIpChanges?: boolean;
  version?: string | null;
}

/** Plans `wanted` (builder objects) against a cluster of `objects`. */
export function planFor(
  objects: unknown[],
  wanted: Obj[],
  o: PlanOptions = {},
): { plan: ChangePlan; input: PlanInput } {
  const snap = snapshot(objects);
  const input: PlanInput = {
    snapshot: snap,
    desired: wanted.map((object, position) => desired(object, position)),
    prune: o.prune === undefined ? { all: true } : o.prune,
    allowIpChanges: o.allowIpChanges ?? false,
    target: { namespace: NS, metallbVersion: o.version === undefined ? 'v0.16.1' : o.version, bgpType: 'native' },
  };
  return { plan: planChange(input), input };
}

/** Impact as "ns/name outcome before -> after". */
export const impactLines = (plan: ChangePlan): string[] =>
  plan.impact.map(
    (i) => `${i.namespace}/${i.name} ${i.outcome} ${i.before.join(',') || '-'} -> ${i.after.join(',') || '-'}`,
  );

/** Steps as "action Kind/name" (pins as "pin ns/name,..."), followed immediately marked with "+". */
export const stepLines = (plan: ChangePlan): string[] =>
  plan.steps.map((step) =>
    'pins' in step
      ? `${step.action} ${step.pins.map((pin) => `${pin.namespace}/${pin.name}=${pin.ips.join(',')}`).join(' ')}`
      : `${step.action} ${step.kind}/${step.name}${step.followedImmediately ? ' +' : ''}`,
  );

/** Healthy Services of the snapshot (what every intermediate state must keep). */
function healthyKeys(snap: ClusterSnapshot, plan: ChangePlan): Set<string> {
  return new Set(plan.impact.filter((i) => i.outcome === 'keeps').map((i) => `${i.namespace}/${i.name}`));
}

/**
 * Replays every prefix of the plan's steps (validation + overlap rule on each state, healthy IPs at each
 * rest point) and expects no problem.
 */
export function expectEveryPrefixSafe(input: PlanInput, plan: ChangePlan): void {
  const services = input.snapshot.services.filter((s) => isServedByMetallb(s, null)).map(viewService);
  for (let length = 1; length <= plan.steps.length; length++) {
    const problems = checkSequence({
      live: liveConfigIn(input.snapshot, NS),
      steps: plan.steps.slice(0, length),
      services,
      keep: healthyKeys(input.snapshot, plan),
      target: input.target,
      namespaces: indexNamespaces(input.snapshot.namespaces),
    });
    expect(problems, `prefix of ${length} steps`).toEqual([]);
  }
}
