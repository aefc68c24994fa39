import { judgeClusterObjects, type OrphanScope } from '../domain/orphans-cluster.js';
import { refusalFor, type OrphanPlan, type ServiceVerdict } from '../domain/runbooks/orphans.js';
import type { ServiceFacts } from '../domain/runbooks/service-facts.js';
import { metallbGroup, type KubeApis } from './apis.js';
import { kubeCall, runbookFailure } from './call.js';
import { serviceFacts, type FactsScope } from './cluster-facts.js';

/** Where MetalLB runs and which Services were asked for. */
export interface OrphanSearch extends FactsScope {
  /** "namespace/name" asked for on the command line; empty = every orphan. */
  services: string[];
}

/** The finder's result, as it goes into workflow history. */
export interface OrphanFindings {
  orphans: OrphanPlan[];
  /** Every served Service as found, to compare with afterwards. */
  before: ServiceFacts[];
}

/** What the orphan model reads: every Service, the pools and the Namespaces (serviceAllocation selectors). */
async function readOrphanInputs(kube: KubeApis, namespace: string) {
  const [services, pools, namespaces] = await Promise.all([
    kubeCall('list Services', () => kube.core.listServiceForAllNamespaces()),
    kubeCall(`list IPAddressPools in ${namespace}`, () =>
      kube.custom.listNamespacedCustomObject({
        group: metallbGroup,
        version: 'v1beta1',
        namespace,
        plural: 'ipaddresspools',
      }),
    ) as Promise<{ items?: object[] }>,
    kubeCall('list Namespaces', () => kube.core.listNamespace()),
  ]);
  const objects: unknown[] = [
    ...services.items.map((item) => ({ ...item, apiVersion: 'v1', kind: 'Service' })),
    ...(pools.items ?? []).map((item) => ({ ...item, apiVersion: `${metallbGroup}/v1beta1`, kind: 'IPAddressPool' })),
    ...namespaces.items.map((item) => ({ ...item, apiVersion: 'v1', kind: 'Namespace' })),
  ];
  return { services: services.items, objects };
}

/** The shared model's verdict on every LoadBalancer Service as the cluster is now. */
export async function judgeClusterServices(kube: KubeApis, scope: OrphanScope) {
  const { services, objects } = await readOrphanInputs(kube, scope.namespace);
  return { services, verdicts: judgeClusterObjects(objects, scope) };
}

/** The verdict on one Service as the cluster is now (undefined when it is gone or not a LoadBalancer). */
export async function judgeServiceNow(
  kube: KubeApis,
  scope: OrphanScope,
  key: string,
): Promise<ServiceVerdict | undefined> {
  return (await judgeClusterServices(kube, scope)).verdicts.find((verdict) => verdict.service === key);
}

/** Finds the orphans to clean; a named Service that is not an orphan is refused with the reason. */
export async function findOrphanedServices(kube: KubeApis, search: OrphanSearch): Promise<OrphanFindings> {
  const { services, verdicts } = await judgeClusterServices(kube, search);
  const refusals = search.services
    .map((key) =>
      refusalFor(
        verdicts.find((verdict) => verdict.service === key),
        key,
      ),
    )
    .filter((refusal): refusal is string => refusal !== null);
  if (refusals.length > 0) throw runbookFailure('ServiceNotOrphaned', refusals.join('; '));
  const wanted = (key: string) => search.services.length === 0 || search.services.includes(key);
  const scope = { namespace: search.namespace, lbClass: search.lbClass };
  const orphans = verdicts.flatMap((verdict) =>
    verdict.plan && wanted(verdict.service) ? [{ ...verdict.plan, scope }] : [],
  );
  const before = services
    .filter((svc) => svc.spec?.type === 'LoadBalancer')
    .map((svc) => serviceFacts(svc, search.lbClass))
    .filter((facts) => facts.served);
  return { orphans, before };
}
