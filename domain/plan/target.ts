// What a plan is made for: MetalLB's namespace, version and BGP type, read from the cluster or the
// dump (controller image tag, the speaker's METALLB_BGP_TYPE), flags overriding either.
import { z } from 'zod';
import { isMetallbWorkload, metallbContainer, type ClusterSnapshot } from '../snapshot.js';
import type { BgpType, PlanTarget } from './types.js';

/** Flags that override what the snapshot says. */
export interface TargetOverrides {
  metallbVersion?: string | undefined;
  bgpType?: BgpType | undefined;
}

const EnvSchema = z.array(z.looseObject({ name: z.string(), value: z.string().nullish() }));

const BGP_TYPES: readonly string[] = ['native', 'frr', 'frr-k8s'];

/** METALLB_BGP_TYPE of the speaker (else the controller); native when neither sets it, as MetalLB defaults. */
export function bgpTypeOf(snapshot: ClusterSnapshot): BgpType | null {
  const workloads = [
    ...snapshot.daemonSets
      .filter((set) => isMetallbWorkload(set, 'speaker'))
      .map((set) => metallbContainer(set, 'speaker')),
    ...snapshot.deployments
      .filter((d) => isMetallbWorkload(d, 'controller'))
      .map((d) => metallbContainer(d, 'controller')),
  ];
  if (workloads.length === 0) return null;
  for (const container of workloads) {
    const env = EnvSchema.safeParse((container as { env?: unknown } | undefined)?.env ?? []);
    const value = env.success ? env.data.find((entry) => entry.name === 'METALLB_BGP_TYPE')?.value : undefined;
    if (value && BGP_TYPES.includes(value)) return value as BgpType;
  }
  return 'native';
}

/** The plan target: flags first, then the snapshot; namespace metallb-system when nothing says otherwise. */
export function planTargetFor(snapshot: ClusterSnapshot, overrides: TargetOverrides): PlanTarget {
  return {
    namespace: snapshot.metallbNamespace ?? 'metallb-system',
    metallbVersion: overrides.metallbVersion ?? snapshot.metallbVersion,
    bgpType: overrides.bgpType ?? bgpTypeOf(snapshot) ?? 'native',
  };
}
