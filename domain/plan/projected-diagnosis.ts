// "The projected cluster analysed with the diagnosis engine": the current Services with their expected
// IPs and the resulting config, diagnosed as a cluster would be. Events, logs and ConfigurationStates
// describe today's cluster, not the projected one, so they are left out, and so are the checks that read them.
import type { z } from 'zod';
import { diagnose } from '../diagnose/index.js';
import type { Check } from '../diagnose/report.js';
import {
  BFDProfileSchema,
  BGPAdvertisementSchema,
  BGPPeerSchema,
  CommunitySchema,
  IPAddressPoolSchema,
  L2AdvertisementSchema,
  type Service,
} from '../kube-schemas.js';
import type { ClusterSnapshot } from '../snapshot.js';
import type { ProjectedService } from './project.js';
import type { ConfigKind, ConfigObject, ProjectedFinding } from './types.js';

const CHECKS: readonly Check[] = ['orphaned-ips', 'unmet-requests', 'pending-services', 'advertisements', 'capacity'];

function parsed<T>(objects: readonly ConfigObject[], kind: ConfigKind, schema: z.ZodType<T>): T[] {
  return objects
    .filter((object) => object.kind === kind)
    .flatMap((object) => {
      const result = schema.safeParse({
        ...object.manifest,
        apiVersion: object.apiVersion || 'metallb.io/v1beta1',
        kind,
        metadata: { name: object.name, namespace: object.namespace, labels: object.labels },
      });
      return result.success ? [result.data] : [];
    });
}

function projectedService(service: Service, projected: ProjectedService | undefined): Service {
  if (projected === undefined) return service;
  const annotations = { ...(service.metadata.annotations ?? {}) };
  if (projected.pool) annotations['metallb.io/ip-allocated-from-pool'] = projected.pool;
  else delete annotations['metallb.io/ip-allocated-from-pool'];
  return {
    ...service,
    metadata: { ...service.metadata, annotations },
    status: { ...service.status, loadBalancer: { ingress: projected.after.map((ip) => ({ ip })) } },
  };
}

/** The snapshot as it would be after the change. */
export function projectSnapshot(
  snapshot: ClusterSnapshot,
  resulting: readonly ConfigObject[],
  projected: ReadonlyMap<string, ProjectedService>,
): ClusterSnapshot {
  return {
    ...snapshot,
    services: snapshot.services.map((service) =>
      projectedService(service, projected.get(`${service.metadata.namespace ?? 'default'}/${service.metadata.name}`)),
    ),
    pools: parsed(resulting, 'IPAddressPool', IPAddressPoolSchema).map((pool) => ({ ...pool, status: null })),
    l2Advertisements: parsed(resulting, 'L2Advertisement', L2AdvertisementSchema),
    bgpAdvertisements: parsed(resulting, 'BGPAdvertisement', BGPAdvertisementSchema),
    bgpPeers: parsed(resulting, 'BGPPeer', BGPPeerSchema),
    communities: parsed(resulting, 'Community', CommunitySchema),
    bfdProfiles: parsed(resulting, 'BFDProfile', BFDProfileSchema),
    configurationStates: [],
    events: [],
    logs: { controller: '', speaker: '' },
    problems: [],
  };
}

/** Warning and error findings of the diagnosis engine on the projected cluster. */
export function diagnoseProjection(snapshot: ClusterSnapshot): ProjectedFinding[] {
  return diagnose(snapshot)
    .findings.filter((finding) => finding.severity !== 'info' && CHECKS.includes(finding.check))
    .map((finding) => ({
      severity: finding.severity as 'error' | 'warning',
      check: finding.check,
      id: finding.id,
      title: finding.title,
    }));
}
