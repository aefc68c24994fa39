import { Context } from '@temporalio/activity';
import { fieldManager } from '../domain/runbooks/names.js';
import { isOurPin, pinAnnotations, unpinAnnotations, type ServicePin } from '../domain/runbooks/pins.js';
import { requestAnnotations } from '../domain/runbooks/orphans.js';
import { mergePatch, splitKey, type KubeApis } from '../kube/apis.js';
import { kubeCall, orNullIfNotFound } from '../kube/call.js';

/** What pinServiceIps did. */
export interface PinOutcome {
  /** Pins this run holds (added now or by an earlier attempt of the same run). */
  pinned: ServicePin[];
  /** Planned pins not added: the Service is gone or got a request of its own meanwhile. */
  skipped: { service: string; reason: string }[];
}

async function readService(kube: KubeApis, key: string) {
  const { namespace, name } = splitKey(key);
  return kubeCall(`read Service ${key}`, () => kube.core.readNamespacedService({ namespace, name }));
}

type PinStep = { pinned: ServicePin } | { skipped: { service: string; reason: string } };

/** What pinServiceIps is asked to do. */
export interface PinRequest {
  pins: ServicePin[];
  marker: string;
  /** The request annotation(s) the running MetalLB reads (pinMechanismFor); default metallb.io/loadBalancerIPs. */
  annotations?: string[];
}

async function pinOne(kube: KubeApis, pin: ServicePin, request: PinRequest): Promise<PinStep> {
  const { marker } = request;
  const svc = await orNullIfNotFound(readService(kube, pin.service));
  if (!svc) return { skipped: { service: pin.service, reason: 'Service no longer exists' } };
  const annotations = svc.metadata?.annotations ?? {};
  if (isOurPin(annotations, marker)) return { pinned: pin };
  if (svc.spec?.loadBalancerIP || requestAnnotations.some((k) => annotations[k] !== undefined)) {
    return { skipped: { service: pin.service, reason: 'it now requests its IPs itself' } };
  }
  const { namespace, name } = splitKey(pin.service);
  // resourceVersion makes the patch fail (409, retried) if the Service changed since the read.
  const body = {
    metadata: {
      resourceVersion: svc.metadata?.resourceVersion,
      annotations: pinAnnotations(pin, marker, request.annotations),
    },
  };
  await kubeCall(`pin Service ${pin.service} to ${pin.ips.join(',')}`, () =>
    kube.core.patchNamespacedService({ namespace, name, body, fieldManager }, mergePatch),
  );
  return { pinned: pin };
}

/** Adds the loadBalancerIPs request = current IPs plus this run's marker to each planned Service. */
export async function pinServiceIps(kube: KubeApis, input: PinRequest): Promise<PinOutcome> {
  const outcome: PinOutcome = { pinned: [], skipped: [] };
  for (const pin of input.pins) {
    const step = await pinOne(kube, pin, input);
    if ('pinned' in step) outcome.pinned.push(step.pinned);
    else outcome.skipped.push(step.skipped);
    Context.current().heartbeat(pin.service);
  }
  return outcome;
}

/** Removes the pin and marker, only from Services that carry this run's marker. */
export async function unpinServiceIps(
  kube: KubeApis,
  input: { services: string[]; marker: string },
): Promise<{ unpinned: string[] }> {
  const unpinned: string[] = [];
  for (const key of input.services) {
    const svc = await orNullIfNotFound(readService(kube, key));
    if (!svc || !isOurPin(svc.metadata?.annotations ?? {}, input.marker)) continue;
    const { namespace, name } = splitKey(key);
    const body = {
      metadata: {
        resourceVersion: svc.metadata?.resourceVersion,
        annotations: unpinAnnotations(),
      },
    };
    await kubeCall(`unpin Service ${key}`, () =>
      kube.core.patchNamespacedService({ namespace, name, body, fieldManager }, mergePatch),
    );
    unpinned.push(key);
    Context.current().heartbeat(key);
  }
  return { unpinned };
}
