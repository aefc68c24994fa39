// Plans a change: validation, impact on every Service, and an ordered list of steps in which every
// intermediate state is valid and keeps every healthy Service's IP. SEED (lead): a naive diff
// (creates, updates, deletes; no impact, no swaps); the planner helper owns this file.
import { createHash } from 'node:crypto';
import type { ClusterSnapshot } from '../snapshot.js';
import { validateConfig } from './validate.js';
import type { ChangePlan, ConfigKind, ConfigObject, PlanInput, PlanStep } from './types.js';

const key = (object: { kind: string; name: string }) => `${object.kind}/${object.name}`;

/** The live MetalLB config objects of a snapshot, as config objects (source null). */
export function liveConfigObjects(snapshot: ClusterSnapshot): ConfigObject[] {
  const buckets: [
    ConfigKind,
    readonly {
      apiVersion: string;
      metadata: { name?: string | null; namespace?: string | null; labels?: Record<string, string> | null };
      spec?: unknown;
    }[],
  ][] = [
    ['IPAddressPool', snapshot.pools],
    ['L2Advertisement', snapshot.l2Advertisements],
    ['BGPAdvertisement', snapshot.bgpAdvertisements],
    ['BGPPeer', snapshot.bgpPeers],
    ['Community', snapshot.communities],
    ['BFDProfile', snapshot.bfdProfiles],
  ];
  return buckets.flatMap(([kind, items]) =>
    items.map((item) => ({
      kind,
      apiVersion: item.apiVersion,
      name: item.metadata.name ?? '',
      namespace: item.metadata.namespace ?? snapshot.metallbNamespace ?? '',
      labels: item.metadata.labels ?? {},
      manifest: {
        apiVersion: item.apiVersion,
        kind,
        metadata: { name: item.metadata.name, namespace: item.metadata.namespace },
        spec: item.spec,
      },
      source: null,
    })),
  );
}

/** The plan for a change (see {@link ChangePlan}). */
export function planChange(input: PlanInput): ChangePlan {
  const live = liveConfigObjects(input.snapshot);
  const liveByKey = new Map(live.map((object) => [key(object), object]));
  const desiredKeys = new Set(input.desired.map(key));
  const steps: PlanStep[] = [];
  for (const object of input.desired) {
    const current = liveByKey.get(key(object));
    const action = current ? 'update' : 'create';
    if (current && JSON.stringify(current.manifest.spec) === JSON.stringify(object.manifest.spec)) continue;
    steps.push({
      action,
      kind: object.kind,
      name: object.name,
      manifest: object.manifest,
      why: `${action} ${key(object)}`,
    });
  }
  const pruned = input.prune ? live.filter((object) => !desiredKeys.has(key(object))) : [];
  for (const object of pruned) steps.push({ action: 'delete', kind: object.kind, name: object.name, why: 'pruned' });
  const resulting = [
    ...live.filter((object) => !desiredKeys.has(key(object)) && !pruned.includes(object)),
    ...input.desired,
  ];
  const problems = validateConfig(resulting, input.target);
  return {
    schemaVersion: 1,
    target: input.target,
    valid: problems.length === 0,
    safe: problems.length === 0,
    problems,
    refusals: [],
    changes: [],
    impact: [],
    unannouncedPools: [],
    steps,
    basedOn: createHash('sha256')
      .update(JSON.stringify(live.map((object) => object.manifest)))
      .digest('hex'),
  };
}
