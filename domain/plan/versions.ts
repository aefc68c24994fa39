// MetalLB version comparisons for the rules that changed between releases.

/** True when `version` (e.g. `v0.14.9`) is older than `than`; an unknown version is the newest. */
export function isBefore(version: string | null, than: readonly [number, number, number]): boolean {
  const match = /^v?(\d+)\.(\d+)\.(\d+)/.exec(version ?? '');
  if (match === null) return false;
  const parts = match.slice(1, 4).map(Number);
  for (let i = 0; i < 3; i++) if (parts[i] !== than[i]) return parts[i]! < than[i]!;
  return false;
}
