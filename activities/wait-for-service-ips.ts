import { sameIps } from '../domain/runbooks/service-facts.js';
import type { ServicePin } from '../domain/runbooks/pins.js';
import { splitKey, type KubeApis } from '../kube/apis.js';
import { kubeCall, orNullIfNotFound } from '../kube/call.js';
import { pollUntil, type Observation } from './poll.js';

/** A Service that holds its previous IPs again (or is gone). */
export interface ServiceIpsBack {
  service: string;
  ips: string[];
  /** The Service was deleted meanwhile: nothing to give back. */
  gone: boolean;
}

async function currentIps(kube: KubeApis, key: string): Promise<string[] | null> {
  const svc = await orNullIfNotFound(
    kubeCall(`read Service ${key}`, () => kube.core.readNamespacedService(splitKey(key))),
  );
  return svc ? (svc.status?.loadBalancer?.ingress ?? []).flatMap((i) => (i.ip ? [i.ip] : [])) : null;
}

async function observe(kube: KubeApis, expected: ServicePin[]): Promise<Observation<ServiceIpsBack[]>> {
  const seen = await Promise.all(expected.map(async (pin) => ({ pin, ips: await currentIps(kube, pin.service) })));
  const missing = seen.filter(({ pin, ips }) => ips !== null && !sameIps(ips, pin.ips));
  if (missing.length > 0) {
    const text = missing
      .map(({ pin, ips }) => `${pin.service} has [${ips?.join(', ')}], wants [${pin.ips.join(', ')}]`)
      .join('; ');
    return { done: false, seen: text };
  }
  return {
    done: true,
    value: seen.map(({ pin, ips }) => ({ service: pin.service, ips: ips ?? [], gone: ips === null })),
  };
}

/** Waits until every Service holds exactly the IPs it held before. */
export async function waitForServiceIps(
  kube: KubeApis,
  input: { expected: ServicePin[]; deadline: string },
): Promise<ServiceIpsBack[]> {
  const what = `${input.expected.length} Service(s) to get their previous IPs back`;
  return pollUntil({ what, deadline: input.deadline }, () => observe(kube, input.expected));
}
