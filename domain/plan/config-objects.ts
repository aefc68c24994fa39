// What the planner needs to know about config objects: identity, a comparison that ignores what the
// API server defaults, and the resulting config read the way MetalLB reads it (pools, announcements).
import { z } from 'zod';
import { viewPool, type NamespaceIndex, type PoolView } from '../diagnose/pools.js';
import { IPAddressPoolSchema, LabelSelectorSchema } from '../kube-schemas.js';
import { anySelectorMatches } from '../selectors.js';
import type { ConfigObject } from './types.js';

/** `Kind/name`: one object of the MetalLB namespace. */
export const objectKey = (object: { kind: string; name: string }): string => `${object.kind}/${object.name}`;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** JSON with object keys sorted, so equal content always gives equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isRecord(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

const isEmpty = (value: unknown): boolean =>
  value === null ||
  value === undefined ||
  (Array.isArray(value) && value.length === 0) ||
  (isRecord(value) && Object.keys(value).length === 0);

// Empty values read as absent: `namespaces: []` and no `namespaces` are the same config to MetalLB.
function withoutEmpty(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutEmpty);
  if (!isRecord(value)) return value;
  const entries = Object.entries(value)
    .map(([key, inner]) => [key, withoutEmpty(inner)] as const)
    .filter(([, inner]) => !isEmpty(inner));
  return Object.fromEntries(entries);
}

// CRD defaults the API server fills in: a file that leaves them out asks for the same thing.
const DEFAULTS: Partial<Record<string, Record<string, unknown>>> = {
  IPAddressPool: { autoAssign: true, avoidBuggyIPs: false },
};

/** The spec as MetalLB means it: empty values and API-server defaults dropped. */
export function comparableSpec(object: Pick<ConfigObject, 'kind' | 'manifest'>): Record<string, unknown> {
  const spec = withoutEmpty(isRecord(object.manifest.spec) ? object.manifest.spec : {}) as Record<string, unknown>;
  const defaults = DEFAULTS[object.kind] ?? {};
  return Object.fromEntries(Object.entries(spec).filter(([key, value]) => defaults[key] !== value));
}

/** The spec fields (and `metadata.labels`) that differ between two versions of one object. */
export function changedFields(live: ConfigObject, desired: ConfigObject): string[] {
  const [before, after] = [comparableSpec(live), comparableSpec(desired)];
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  const fields = keys.filter((key) => canonicalJson(before[key]) !== canonicalJson(after[key])).map((k) => `spec.${k}`);
  // Labels the files leave out (a tool's, say) are kept, as kubectl apply keeps them: only set ones count.
  if (Object.entries(desired.labels).some(([key, value]) => live.labels[key] !== value)) fields.push('metadata.labels');
  return fields;
}

/** The object's spec (a record, {} when absent). */
export const specOf = (object: Pick<ConfigObject, 'manifest'>): Record<string, unknown> =>
  isRecord(object.manifest.spec) ? object.manifest.spec : {};

/** The IPAddressPools of a config, parsed as the controller does; pools whose spec does not parse are left out. */
export function poolViewsOf(objects: readonly ConfigObject[], namespaces: NamespaceIndex): PoolView[] {
  return objects
    .filter((object) => object.kind === 'IPAddressPool')
    .flatMap((object) => {
      const parsed = IPAddressPoolSchema.safeParse({
        apiVersion: 'metallb.io/v1beta1',
        kind: 'IPAddressPool',
        metadata: { name: object.name, namespace: object.namespace, labels: object.labels },
        spec: specOf(object),
      });
      return parsed.success ? [viewPool(parsed.data, namespaces)] : [];
    });
}

const AdvertisementRefsSchema = z.looseObject({
  ipAddressPools: z.array(z.string()).nullish(),
  ipAddressPoolSelectors: z.array(LabelSelectorSchema).nullish(),
});

/** Names and selectors an advertisement announces; `all` when it names and selects nothing. */
export interface AdvertisementRefs {
  all: boolean;
  names: string[];
  selectors: z.infer<typeof LabelSelectorSchema>[];
}

/** What an L2 or BGP advertisement selects (setL2/BGPAdvertisementsToPools). */
export function advertisementRefs(object: ConfigObject): AdvertisementRefs {
  const parsed = AdvertisementRefsSchema.safeParse(specOf(object));
  const names = parsed.success ? (parsed.data.ipAddressPools ?? []) : [];
  const selectors = parsed.success ? (parsed.data.ipAddressPoolSelectors ?? []) : [];
  return { all: names.length === 0 && selectors.length === 0, names, selectors };
}

const isAdvertisement = (object: ConfigObject): boolean =>
  object.kind === 'L2Advertisement' || object.kind === 'BGPAdvertisement';

/** Names of the pools of `objects` that at least one L2 or BGP advertisement announces. */
export function announcedPools(objects: readonly ConfigObject[]): Set<string> {
  const pools = objects.filter((object) => object.kind === 'IPAddressPool');
  const announced = new Set<string>();
  for (const refs of objects.filter(isAdvertisement).map(advertisementRefs)) {
    const named = new Set(refs.names);
    for (const pool of pools)
      if (refs.all || named.has(pool.name) || anySelectorMatches(refs.selectors, pool.labels)) announced.add(pool.name);
  }
  return announced;
}
