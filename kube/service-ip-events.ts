// The MetalLB controller's Events on Services, as domain/audit/service-effects.ts reads them.
import { CoreV1Api, type CoreV1Event, type KubeConfig } from '@kubernetes/client-node';
import type { ServiceIpEvent } from '../domain/audit/service-effects.js';
import { kubeCall } from './call.js';

const timeOf = (event: CoreV1Event): string => {
  const time = event.lastTimestamp ?? event.eventTime ?? event.firstTimestamp ?? event.metadata.creationTimestamp;
  return time === undefined ? '' : new Date(time).toISOString();
};

/** Every Event on a Service in every namespace (the controller's among them). */
export async function readServiceIpEvents(kc: KubeConfig): Promise<ServiceIpEvent[]> {
  const core = kc.makeApiClient(CoreV1Api);
  const list = await kubeCall('list Events on Services', () =>
    core.listEventForAllNamespaces({ fieldSelector: 'involvedObject.kind=Service' }),
  );
  return list.items.map((event) => ({
    service: `${event.involvedObject.namespace ?? 'default'}/${event.involvedObject.name ?? ''}`,
    reason: event.reason ?? '',
    message: event.message ?? '',
    time: timeOf(event),
  }));
}
