// Pinning healthy Services to their current IPs before the pools go away, so the controller gives
// each the same address back. Only Services with no request of their own are pinned; those with
// one already ask for their IP and are only watched.
import { pinMarkerAnnotation } from './names.js';
import { requestAnnotations, judgeServices } from './orphans.js';
import type { ClusterFacts, ServiceFacts } from './service-facts.js';

export const pinAnnotation = 'metallb.io/loadBalancerIPs';

export interface ServicePin {
  service: string;
  ips: string[];
}

export interface PinPlan {
  /** Pins this run adds (and later removes). */
  pin: ServicePin[];
  /** Healthy Services that already request their IPs: watched, never modified. */
  alreadyRequested: ServicePin[];
}

function hasOwnRequest(svc: ServiceFacts): boolean {
  return Boolean(svc.loadBalancerIP) || requestAnnotations.some((key) => svc.annotations[key] !== undefined);
}

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

/** Annotations to merge onto a Service to pin it. */
export function pinAnnotations(pin: ServicePin, marker: string): Record<string, string> {
  return { [pinAnnotation]: pin.ips.join(','), [pinMarkerAnnotation]: marker };
}

/** True when this run's marker is on the Service, i.e. the pin is ours to remove. */
export function isOurPin(annotations: Record<string, string>, marker: string): boolean {
  return annotations[pinMarkerAnnotation] === marker;
}
