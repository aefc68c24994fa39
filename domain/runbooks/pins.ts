// Pinning healthy Services to their current IPs before the pools go away, so the controller gives
// each the same address back. Only Services with no request of their own are pinned; those with
// one already ask for their IP and are only watched.
import { atLeast, parseMetallbVersion } from '../diagnose/version.js';
import { pinMarkerAnnotation } from './names.js';
import { requestAnnotations, judgeServices } from './orphans.js';
import type { ClusterFacts, ServiceFacts } from './service-facts.js';

/** The request annotation MetalLB >= 0.14.9 reads (it still reads the old one as an alias). */
export const pinAnnotation = 'metallb.io/loadBalancerIPs';
/** The only request annotation MetalLB 0.13.x to 0.14.8 reads. */
export const legacyPinAnnotation = 'metallb.universe.tf/loadBalancerIPs';

/** How --recreate holds IPs on a MetalLB version: the annotation(s) to pin with, or why it cannot. */
export type PinMechanism = { annotations: string[]; reason: string } | { refusal: string };

/** The pin annotation the running controller reads, from its image tag (null: not known). */
export function pinMechanismFor(versionTag: string | null | undefined): PinMechanism {
  const version = parseMetallbVersion(versionTag ?? null);
  if (version === null)
    return {
      annotations: [pinAnnotation, legacyPinAnnotation],
      reason: 'MetalLB version unknown: both request annotations set (0.13 to 0.14.8 read only the old one)',
    };
  if (atLeast(version, '0.14.9')) return { annotations: [pinAnnotation], reason: `MetalLB ${version.text}` };
  if (atLeast(version, '0.13.0'))
    return {
      annotations: [legacyPinAnnotation],
      reason: `MetalLB ${version.text} reads only ${legacyPinAnnotation} (metallb.io/* arrived in 0.14.9)`,
    };
  return {
    refusal:
      `MetalLB ${version.text} is configured by a ConfigMap and reads no loadBalancerIPs annotation: ` +
      'reapply-config --recreate cannot hold the Service IPs; nothing was changed',
  };
}

/** A Service and the IPs it is pinned to (or must end up with). */
export interface ServicePin {
  service: string;
  ips: string[];
}

/** Which healthy Services a re-create pins and which it only watches. */
export interface PinPlan {
  /** Pins this run adds (and later removes). */
  pin: ServicePin[];
  /** Healthy Services that already request their IPs: watched, never modified. */
  alreadyRequested: ServicePin[];
}

/** The Service requests its own IPs (loadBalancerIP or a loadBalancerIPs annotation): never pinned by us. */
export function hasOwnRequest(svc: ServiceFacts): boolean {
  return Boolean(svc.loadBalancerIP) || requestAnnotations.some((key) => svc.annotations[key] !== undefined);
}

/** The pin plan for the Services as recorded before the run: healthy ones only. */
export function planPins(facts: ClusterFacts): PinPlan {
  const healthy = new Set(
    judgeServices(facts)
      .filter((v) => v.state === 'healthy')
      .map((v) => v.service),
  );
  const candidates = facts.services.filter((s) => healthy.has(s.key));
  const asPin = (s: ServiceFacts): ServicePin => ({ service: s.key, ips: s.ips });
  return {
    pin: candidates.filter((s) => !hasOwnRequest(s)).map(asPin),
    alreadyRequested: candidates.filter(hasOwnRequest).map(asPin),
  };
}

/** The marker value naming the run that added a pin. */
export function pinMarker(workflowId: string, runId: string): string {
  return `${workflowId}/${runId}`;
}

/** Annotations to merge onto a Service to pin it (`keys`: from pinMechanismFor; default the current one). */
export function pinAnnotations(pin: ServicePin, marker: string, keys: readonly string[] = [pinAnnotation]) {
  const ips = pin.ips.join(',');
  return { ...Object.fromEntries(keys.map((key) => [key, ips])), [pinMarkerAnnotation]: marker };
}

/** The merge patch that removes a pin: every request annotation a pin may have used, and the marker. */
export function unpinAnnotations(): Record<string, null> {
  return { [pinAnnotation]: null, [legacyPinAnnotation]: null, [pinMarkerAnnotation]: null };
}

/** True when this run's marker is on the Service, i.e. the pin is ours to remove. */
export function isOurPin(annotations: Record<string, string>, marker: string): boolean {
  return annotations[pinMarkerAnnotation] === marker;
}
