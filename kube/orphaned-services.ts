import { judgeServices, refusalFor, type OrphanPlan } from '../domain/runbooks/orphans.js';
import type { ServiceFacts } from '../domain/runbooks/service-facts.js';
import type { KubeApis } from './apis.js';
import { runbookFailure } from './call.js';
import { readClusterFacts, type FactsScope } from './cluster-facts.js';

export interface OrphanSearch extends FactsScope {
  /** "namespace/name" asked for on the command line; empty = every orphan. */
  services: string[];
}

export interface OrphanFindings {
  orphans: OrphanPlan[];
  /** Every served Service as found, to compare with afterwards. */
  before: ServiceFacts[];
}

/** Finds the orphans to clean; a named Service that is not an orphan is refused with the reason. */
export async function findOrphanedServices(kube: KubeApis, search: OrphanSearch): Promise<OrphanFindings> {
  const facts = await readClusterFacts(kube, search);
  const verdicts = judgeServices(facts);
  const refusals = search.services
    .map((key) =>
      refusalFor(
        verdicts.find((v) => v.service === key),
        key,
        facts,
      ),
    )
    .filter((r): r is string => r !== null);
  if (refusals.length > 0) throw runbookFailure('ServiceNotOrphaned', refusals.join('; '));
  const wanted = (key: string) => search.services.length === 0 || search.services.includes(key);
  const orphans = verdicts.flatMap((v) => (v.plan && wanted(v.service) ? [v.plan] : []));
  return { orphans, before: facts.services.filter((s) => s.served) };
}
