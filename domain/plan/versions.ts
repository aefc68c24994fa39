// MetalLB version differences that change a verdict (read from the tags' config/crd/bases and
// internal/config): which spec fields a version's CRDs have, and how its webhooks treat references.
import type { ConfigKind } from './types.js';

type Version = readonly [number, number, number];

/** True when `version` (e.g. `v0.14.9`) is older than `than`; an unknown version is the newest. */
export function isBefore(version: string | null, than: Version): boolean {
  const match = /^v?(\d+)\.(\d+)\.(\d+)/.exec(version ?? '');
  if (match === null) return false;
  const parts = match.slice(1, 4).map(Number);
  for (let i = 0; i < 3; i++) if (parts[i] !== than[i]) return parts[i]! < than[i]!;
  return false;
}

/** Spec fields added after v0.13 (the first version with CRDs), with the version that added them. */
export const fieldsSince: Partial<Record<ConfigKind, Record<string, Version>>> = {
  L2Advertisement: { serviceSelectors: [0, 16, 0] },
  BGPAdvertisement: { serviceSelectors: [0, 16, 0] },
  BGPPeer: {
    connectTime: [0, 14, 4],
    disableMP: [0, 14, 4],
    enableGracefulRestart: [0, 14, 6],
    dynamicASN: [0, 14, 9],
    dualStackAddressFamily: [0, 15, 0],
    interface: [0, 15, 0],
    localASN: [0, 16, 0],
  },
};

/**
 * Before v0.14.0 the webhooks admitted any config whose first error was a TransientError (a missing
 * BFD profile, Secret or Community) instead of clearing those references first, so what the later
 * webhooks skip (a peer's bfdProfile and passwordSecret, community aliases) they still checked.
 */
export const webhookChecksReferences = (version: string | null): boolean => isBefore(version, [0, 14, 0]);

/** Before v0.14.9 native mode refused an IPv6 pool once any BGPAdvertisement existed, selected or not. */
export const ipv6CheckIgnoresSelection = (version: string | null): boolean => isBefore(version, [0, 14, 9]);
