// The ordered steps of a change, each applied and verified before the next: additions first (what is
// referenced before what references it; advertisements name new pools before the pools exist), then updates,
// then swaps (rename, split, merge: pin, release, take, unpin), deletions last (advertisements before
// pools). Advertisements whose pool references shrink announce old and new pools until the swaps are done.
import { canonicalJson, objectKey, specOf, advertisementRefs } from './config-objects.js';
import type { ConfigDiff, ObjectUpdate } from './diff.js';
import type { ProjectedService } from './project.js';
import { planSwaps, poolContains, type PoolWrite, type SwapGroup, type SwapPlan, type SwapWrite } from './swaps.js';
import type { PoolView } from '../diagnose/pools.js';
import { annotation, type ServiceIp, type ServiceView } from '../diagnose/services.js';
import type { ConfigKind, ConfigObject, PlannedPin, PlanStep } from './types.js';

/** What the order is computed from. */
export interface OrderInput {
  diff: ConfigDiff;
  livePools: readonly PoolView[];
  finalPools: readonly PoolView[];
  /** Served Services as they are now, and their projected fate. */
  services: readonly ServiceView[];
  projected: ReadonlyMap<string, ProjectedService>;
  previousPool: (ip: ServiceIp) => string | null;
}

/** The steps, and what could not be sequenced (becomes a refusal). */
export interface OrderedPlan {
  steps: PlanStep[];
  unsequenceable: string[];
}

const REFERENCED: readonly ConfigKind[] = ['Community', 'BFDProfile', 'BGPPeer'];
const ADVERTISEMENTS: readonly ConfigKind[] = ['L2Advertisement', 'BGPAdvertisement'];
const DELETE_ORDER: readonly ConfigKind[] = [
  'BGPAdvertisement',
  'L2Advertisement',
  'BGPPeer',
  'IPAddressPool',
  'BFDProfile',
  'Community',
];

const ofKinds = <T extends { kind: ConfigKind }>(items: readonly T[], kinds: readonly ConfigKind[]): T[] =>
  kinds.flatMap((kind) => items.filter((item) => item.kind === kind));

// The manifest as written, in the namespace it is planned for (a file may leave the namespace out).
const manifestOf = (object: ConfigObject, spec?: Record<string, unknown>): Record<string, unknown> => {
  const metadata = object.manifest.metadata;
  return {
    ...object.manifest,
    metadata: { ...(typeof metadata === 'object' && metadata !== null ? metadata : {}), namespace: object.namespace },
    ...(spec === undefined ? {} : { spec }),
  };
};

const create = (object: ConfigObject, why: string): PlanStep => ({
  action: 'create',
  kind: object.kind,
  name: object.name,
  manifest: manifestOf(object),
  why,
});

const update = (object: ConfigObject, why: string, spec?: Record<string, unknown>): PlanStep => ({
  action: 'update',
  kind: object.kind,
  name: object.name,
  manifest: manifestOf(object, spec),
  why,
});

const remove = (object: { kind: ConfigKind; name: string }, why: string): PlanStep => ({
  action: 'delete',
  kind: object.kind,
  name: object.name,
  why,
});

const updateWhy = (change: ObjectUpdate): string => `changes ${change.fields.join(', ')}`;
const NEW = 'in the files, not on the cluster';
const PRUNED = 'pruned: not in the files';

// ---------------------------------------------------------------------------------------------
// Advertisements: announce the union of old and new pool references while pools change

function widenedSpec(change: ObjectUpdate): Record<string, unknown> | null {
  const [before, after] = [advertisementRefs(change.live), advertisementRefs(change.desired)];
  if (after.all) return null;
  const spec = { ...specOf(change.desired) };
  if (before.all) {
    delete spec['ipAddressPools'];
    delete spec['ipAddressPoolSelectors'];
    return spec;
  }
  const names = [...new Set([...after.names, ...before.names])];
  const selectors = [...new Map([...after.selectors, ...before.selectors].map((s) => [canonicalJson(s), s])).values()];
  if (names.length === after.names.length && selectors.length === after.selectors.length) return null;
  return { ...spec, ipAddressPools: names, ipAddressPoolSelectors: selectors };
}

interface AdvertisementSteps {
  early: PlanStep[];
  late: PlanStep[];
}

function advertisementSteps(diff: ConfigDiff): AdvertisementSteps {
  const steps: AdvertisementSteps = { early: [], late: [] };
  for (const object of ofKinds(diff.creates, ADVERTISEMENTS)) steps.early.push(create(object, NEW));
  for (const change of ofKinds(
    diff.updates.map((entry) => ({ ...entry, kind: entry.desired.kind })),
    ADVERTISEMENTS,
  )) {
    const widened = widenedSpec(change);
    if (widened === null) {
      steps.early.push(update(change.desired, updateWhy(change)));
      continue;
    }
    steps.early.push(
      update(change.desired, 'first announce its old and new pools together, while the pools change', widened),
    );
    steps.late.push(update(change.desired, updateWhy(change)));
  }
  return steps;
}

// ---------------------------------------------------------------------------------------------
// Pools

function poolWrites(input: OrderInput): PoolWrite[] {
  const live = new Map(input.livePools.map((pool) => [pool.name, pool]));
  const final = new Map(input.finalPools.map((pool) => [pool.name, pool]));
  const names = [
    ...input.diff.creates.filter((o) => o.kind === 'IPAddressPool').map((o) => o.name),
    ...input.diff.updates.filter((u) => u.desired.kind === 'IPAddressPool').map((u) => u.desired.name),
    ...input.diff.deletes.filter((o) => o.kind === 'IPAddressPool').map((o) => o.name),
  ];
  const deleted = new Set(input.diff.deletes.map(objectKey));
  return names.map((name) => ({
    name,
    live: live.get(name) ?? null,
    final: deleted.has(`IPAddressPool/${name}`) ? null : (final.get(name) ?? null),
  }));
}

const hasOwnRequest = (view: ServiceView): boolean =>
  Boolean(view.service.spec?.loadBalancerIP) || Boolean(annotation(view.service, 'loadBalancerIPs'));

/** Healthy Services whose IPs move from one member of the group to another: pinned across the swap. */
function pinsFor(input: OrderInput, group: SwapGroup): PlannedPin[] {
  const givers = new Map(group.members.filter((write) => write.live !== null).map((write) => [write.name, write]));
  return input.services
    .filter((view) => input.projected.get(view.key)?.kept === true && !hasOwnRequest(view))
    .filter((view) =>
      view.ips.some((ip) => {
        const giver = givers.get(input.previousPool(ip) ?? '');
        return giver !== undefined && !poolContains(giver.final, ip.family, ip.value);
      }),
    )
    .map((view) => ({ namespace: view.namespace, name: view.name, ips: view.ips.map((ip) => ip.text) }));
}

function writeStep(input: OrderInput, write: PoolWrite, why: string): PlanStep {
  const desired = input.diff.resulting.find((o) => o.kind === 'IPAddressPool' && o.name === write.name);
  if (write.final === null || desired === undefined) return remove({ kind: 'IPAddressPool', name: write.name }, why);
  return write.live === null ? create(desired, why) : update(desired, why);
}

function swapWriteStep(input: OrderInput, entry: SwapWrite, names: string): PlanStep {
  const { write, shrinkTo } = entry;
  if (shrinkTo === null) {
    const what = write.final === null ? 'delete' : write.live === null ? 'create' : 'update';
    return writeStep(input, write, `swap ${names}: ${what}`);
  }
  const change = input.diff.updates.find((u) => u.desired.kind === 'IPAddressPool' && u.desired.name === write.name)!;
  const why = `swap ${names}: first shrink to the addresses it keeps`;
  return update(change.desired, why, { ...specOf(change.live), addresses: shrinkTo });
}

function swapSteps(input: OrderInput, group: SwapGroup): PlanStep[] {
  const names = group.members.map((write) => `"${write.name}"`).join(', ');
  const pins = pinsFor(input, group);
  const writes = group.sequence.map((entry) => swapWriteStep(input, entry, names));
  // Every write of the swap but the last is followed at once: the controller most likely sees them together.
  for (const step of writes.slice(0, -1)) if ('kind' in step) step.followedImmediately = true;
  if (pins.length === 0) return writes;
  const why = `hold their IPs while ${names} swap addresses (the webhook forbids the overlap)`;
  return [
    { action: 'pin-services', pins, why },
    ...writes,
    { action: 'unpin-services', pins, why: 'the swap is done' },
  ];
}

function independentPoolStep(input: OrderInput, write: PoolWrite): PlanStep {
  if (write.live === null) return writeStep(input, write, NEW);
  const change = input.diff.updates.find((u) => u.desired.kind === 'IPAddressPool' && u.desired.name === write.name);
  if (change) return writeStep(input, write, updateWhy(change));
  return writeStep(input, write, PRUNED);
}

/** The steps in which every intermediate state is valid and keeps every healthy Service's IP. */
export function orderSteps(input: OrderInput): OrderedPlan {
  const { diff } = input;
  const swaps: SwapPlan = planSwaps(poolWrites(input), input.livePools);
  const independent = (action: 'create' | 'update' | 'delete') =>
    swaps.independent
      .filter((write) =>
        action === 'create'
          ? write.live === null
          : action === 'delete'
            ? write.final === null
            : write.live && write.final,
      )
      .map((write) => independentPoolStep(input, write));
  const advertisements = advertisementSteps(diff);
  const updatesOf = (kinds: readonly ConfigKind[]) =>
    ofKinds(
      diff.updates.map((entry) => ({ ...entry, kind: entry.desired.kind })),
      kinds,
    ).map((change) => update(change.desired, updateWhy(change)));
  const steps: PlanStep[] = [
    ...ofKinds(diff.creates, REFERENCED).map((object) => create(object, NEW)),
    // Advertisements first name the pools about to be created (MetalLB skips a name it does not know),
    // so a new pool is announced from the moment it exists: no Service gets an unannounced IP from it.
    ...advertisements.early,
    ...independent('create'),
    ...updatesOf(REFERENCED),
    ...independent('update'),
    ...swaps.groups.flatMap((group) => swapSteps(input, group)),
    ...advertisements.late,
    ...ofKinds(
      diff.deletes.filter((o) => o.kind !== 'IPAddressPool'),
      DELETE_ORDER.slice(0, 3),
    ).map((o) => remove(o, PRUNED)),
    ...independent('delete'),
    ...ofKinds(diff.deletes, DELETE_ORDER.slice(4)).map((o) => remove(o, PRUNED)),
  ];
  return { steps, unsequenceable: swaps.impossible };
}
