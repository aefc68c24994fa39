// MetalLB version gates: where the controller's behaviour changed (see metallb-behaviour.md §0).

export interface MetallbVersion {
  major: number;
  minor: number;
  patch: number;
  text: string;
}

/** "v0.15.3", "0.14.9", "v0.16.0-rc.1" → parsed; "main", "latest", null → null (unknown). */
export function parseMetallbVersion(text: string | null): MetallbVersion | null {
  const match = /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(text ?? '');
  if (!match) return null;
  return { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3] ?? 0), text: text ?? '' };
}

/** true/false when known, null when the version is unknown. */
export function atLeast(version: MetallbVersion | null, min: `${number}.${number}.${number}`): boolean | null {
  if (version === null) return null;
  const [major, minor, patch] = min.split('.').map(Number) as [number, number, number];
  if (version.major !== major) return version.major > major;
  if (version.minor !== minor) return version.minor > minor;
  return version.patch >= patch;
}

/** Version-dependent behaviour the checks branch on. */
export const GATES = {
  /** Controller reassigns or clears IPs outside every pool (no fail-static). */
  reassignsOrphans: '0.14.0',
  /** Legacy AddressPool CRD gone from the manifests. */
  addressPoolRemoved: '0.14.3',
  servicel2statuses: '0.14.4',
  /** ServiceL2Status is kept in step with the announcing node (earlier builds leave stale or missing ones). */
  reliableL2Status: '0.14.6',
  /** metallb.io/* annotations; the old metallb.universe.tf/ip-allocated-from-pool is never removed. */
  newAnnotationPrefix: '0.14.9',
  poolStatus: '0.15.0',
  servicebgpstatuses: '0.15.0',
  configurationStates: '0.15.3',
  /** ConfigurationState gets an OwnerRef and is refreshed after re-creation. */
  configurationStateFixes: '0.16.0',
} as const;
