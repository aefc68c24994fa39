// A small load for the runbook benchmarks (bench:restart, bench:apply): pools in 198.18.0.0/15 with
// an L2Advertisement and LoadBalancer Services holding IPs from them, all labelled so a later run
// removes what an aborted one left.
import { CoreV1Api, CustomObjectsApi, PatchStrategy, setHeaderOptions, type V1Service } from '@kubernetes/client-node';
import { labKubeConfig } from '../../lab/kube.js';
import type { LabRecord } from '../../lab/record.js';
import { until } from './live-support.js';

const GROUP = { group: 'metallb.io', version: 'v1beta1' };
const isNotFound = (error: unknown): boolean => (error as { code?: number }).code === 404;
const hasIp = (service: V1Service): boolean => (service.status?.loadBalancer?.ingress ?? []).some((i) => i.ip);

/** The API clients a load needs and the names it uses. */
export interface BenchLoad {
  core: CoreV1Api;
  custom: CustomObjectsApi;
  metallbNamespace: string;
  label: string;
  serviceNamespace: string;
}

/** Clients for the lab, for the load marked with label (a benchmark's own). */
export function benchLoad(record: LabRecord, label: string): BenchLoad {
  const kc = labKubeConfig(record.kubeconfig);
  return {
    core: kc.makeApiClient(CoreV1Api),
    custom: kc.makeApiClient(CustomObjectsApi),
    metallbNamespace: record.namespace,
    label,
    serviceNamespace: `${label.split('/').at(-1)}-load`,
  };
}

/** Writes an IPAddressPool (created, or its addresses replaced by a merge patch). */
export async function writePool(load: BenchLoad, name: string, addresses: string[]): Promise<void> {
  const target = { ...GROUP, namespace: load.metallbNamespace, plural: 'ipaddresspools' };
  try {
    await load.custom.patchNamespacedCustomObject(
      { ...target, name, body: { spec: { addresses } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  } catch (error) {
    if (!isNotFound(error)) throw error;
    const metadata = { name, labels: { [load.label]: 'true' } };
    const body = { apiVersion: 'metallb.io/v1beta1', kind: 'IPAddressPool', metadata, spec: { addresses } };
    await load.custom.createNamespacedCustomObject({ ...target, body });
  }
}

/** One L2Advertisement for every pool of the load, and `services` Services that hold an IP from them. */
export async function createServices(load: BenchLoad, services: number): Promise<void> {
  const labels = { [load.label]: 'true' };
  await load.custom.createNamespacedCustomObject({
    ...GROUP,
    namespace: load.metallbNamespace,
    plural: 'l2advertisements',
    body: {
      apiVersion: 'metallb.io/v1beta1',
      kind: 'L2Advertisement',
      metadata: { name: load.serviceNamespace, labels },
      spec: { ipAddressPoolSelectors: [{ matchLabels: labels }] },
    },
  });
  await load.core.createNamespace({ body: { metadata: { name: load.serviceNamespace, labels } } });
  for (let index = 0; index < services; index++) {
    await load.core.createNamespacedService({
      namespace: load.serviceNamespace,
      body: {
        metadata: { name: `svc-${index}`, labels },
        spec: { type: 'LoadBalancer', ports: [{ port: 80, protocol: 'TCP' }] },
      },
    });
  }
  await until(`${services} Services to get an IP`, 120_000, async () => {
    const list = await load.core.listNamespacedService({ namespace: load.serviceNamespace });
    return list.items.length === services && list.items.every(hasIp);
  });
}

/** Every Service IP of the load, by Service name: what must not change. */
export async function serviceIps(load: BenchLoad): Promise<Map<string, string>> {
  const list = await load.core.listNamespacedService({ namespace: load.serviceNamespace });
  return new Map(
    list.items.map((service) => [
      service.metadata!.name!,
      (service.status?.loadBalancer?.ingress ?? []).map((ingress) => ingress.ip).join(','),
    ]),
  );
}

async function deleteLabelled(load: BenchLoad, plural: string): Promise<void> {
  const target = { ...GROUP, namespace: load.metallbNamespace, plural };
  const list = (await load.custom.listNamespacedCustomObject({ ...target, labelSelector: load.label })) as {
    items: { metadata: { name: string } }[];
  };
  for (const item of list.items) {
    try {
      await load.custom.deleteNamespacedCustomObject({ ...target, name: item.metadata.name });
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }
}

/** Removes the load: the Services first (so nothing is reallocated while the pools go), then the config. */
export async function removeLoad(load: BenchLoad): Promise<void> {
  try {
    await load.core.deleteNamespace({ name: load.serviceNamespace });
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  await until('the benchmark namespace to be gone', 180_000, async () => {
    const left = await load.core.listNamespace({ labelSelector: load.label });
    return left.items.length === 0;
  });
  await deleteLabelled(load, 'l2advertisements');
  await deleteLabelled(load, 'ipaddresspools');
}
