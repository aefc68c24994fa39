// Plans a change: the resulting config and its validation, the impact on every Service MetalLB serves
// (projected allocation plus the diagnosis engine on the projected cluster), the refusals, and the
// ordered steps, replayed to check that every intermediate state is valid and keeps healthy IPs.
import { indexNamespaces } from '../diagnose/pools.js';
import type { ClusterSnapshot } from '../snapshot.js';
import { poolViewsOf } from './config-objects.js';
import { diffConfig, type ConfigDiff } from './diff.js';
import { configFingerprint } from './fingerprint.js';
import { assessImpact, type ImpactAssessment } from './impact.js';
import { orderSteps } from './order.js';
import { diagnoseProjection, projectSnapshot } from './projected-diagnosis.js';
import { projectAllocations, type ProjectedService } from './project.js';
import { checkSequence } from './sequence.js';
import type {
  ChangePlan,
  ConfigKind,
  ConfigObject,
  PlanInput,
  PlanRefusal,
  PlanStep,
  ProjectedFinding,
  ValidationProblem,
} from './types.js';
import { validateConfig } from './validate.js';

/** The live MetalLB config objects of a snapshot, as config objects (source null). */
export function liveConfigObjects(snapshot: ClusterSnapshot): ConfigObject[] {
  const buckets: [
    ConfigKind,
    readonly {
      apiVersion: string;
      metadata: { name?: string | null; namespace?: string | null; labels?: Record<string, string> | null };
      spec?: unknown;
    }[],
  ][] = [
    ['IPAddressPool', snapshot.pools],
    ['L2Advertisement', snapshot.l2Advertisements],
    ['BGPAdvertisement', snapshot.bgpAdvertisements],
    ['BGPPeer', snapshot.bgpPeers],
    ['Community', snapshot.communities],
    ['BFDProfile', snapshot.bfdProfiles],
  ];
  return buckets.flatMap(([kind, items]) =>
    items.map((item) => ({
      kind,
      apiVersion: item.apiVersion,
      name: item.metadata.name ?? '',
      namespace: item.metadata.namespace ?? snapshot.metallbNamespace ?? '',
      labels: item.metadata.labels ?? {},
      manifest: {
        apiVersion: item.apiVersion,
        kind,
        metadata: { name: item.metadata.name, namespace: item.metadata.namespace, labels: item.metadata.labels ?? {} },
        spec: item.spec,
      },
      source: null,
    })),
  );
}

/** The live config objects in MetalLB's namespace (others are ignored by MetalLB, and never pruned). */
export function liveConfigIn(snapshot: ClusterSnapshot, namespace: string): ConfigObject[] {
  return liveConfigObjects(snapshot).filter((object) => object.namespace === namespace);
}

/** What the live config itself does to the Services: the baseline "healthy today" is judged against. */
function projectToday(assessment: ImpactAssessment, live: readonly ConfigObject[], snapshot: ClusterSnapshot) {
  return projectAllocations({
    services: assessment.services,
    pools: poolViewsOf(live, indexNamespaces(snapshot.namespaces)),
  });
}

// Healthy today: the live config itself keeps their IPs (orphans are not promised anything).
function healthyKeepers(assessment: ImpactAssessment, today: ReadonlyMap<string, ProjectedService>): Set<string> {
  return new Set(
    [...assessment.projected.values()]
      .filter((entry) => entry.kept && today.get(entry.view.key)?.kept === true)
      .map((entry) => entry.view.key),
  );
}

// What speakers would reject (invalid communities, aggregation lengths) that today's config does not show.
// pool-not-advertised is left to the last-advertisement refusal.
function speakerRefusals(after: readonly ProjectedFinding[], before: readonly ProjectedFinding[]): PlanRefusal[] {
  const known = new Set(before.map((finding) => `${finding.id}|${finding.title}`));
  const fresh = after.filter(
    (finding) =>
      finding.severity === 'error' &&
      finding.check === 'advertisements' &&
      finding.id !== 'pool-not-advertised' &&
      !known.has(`${finding.id}|${finding.title}`),
  );
  if (fresh.length === 0) return [];
  const titles = fresh.map((finding) => finding.title).join('; ');
  return [
    { rule: 'speakers-would-reject', message: `after the change the speakers would reject the config: ${titles}` },
  ];
}

const more = (count: number): string => (count > 0 ? ` (and ${count} more)` : '');

interface Ordered {
  steps: PlanStep[];
  refusals: PlanRefusal[];
}

function orderAndCheck(input: PlanInput, diff: ConfigDiff, assessment: ImpactAssessment, keep: Set<string>): Ordered {
  const live = liveConfigIn(input.snapshot, input.target.namespace);
  const namespaces = indexNamespaces(input.snapshot.namespaces);
  const ordered = orderSteps({
    diff,
    livePools: assessment.livePools,
    finalPools: poolViewsOf(diff.resulting, namespaces),
    services: assessment.services,
    projected: assessment.projected,
    previousPool: assessment.previousPool,
  });
  const replay = checkSequence({
    live,
    steps: ordered.steps,
    services: assessment.services,
    keep,
    target: input.target,
    namespaces,
  });
  const unsafe = [...ordered.unsequenceable, ...replay];
  const refusals: PlanRefusal[] =
    unsafe.length === 0
      ? []
      : [
          {
            rule: 'unsafe-sequence',
            message: `no safe order found: ${unsafe.slice(0, 3).join('; ')}${more(unsafe.length - 3)}`,
          },
        ];
  return { steps: ordered.steps, refusals };
}

/** The plan for a change (see {@link ChangePlan}). */
export function planChange(input: PlanInput): ChangePlan {
  const live = liveConfigIn(input.snapshot, input.target.namespace);
  const diff = diffConfig(live, input.desired, input.prune);
  const problems: ValidationProblem[] = validateConfig(diff.resulting, input.target);
  const assessment = assessImpact({
    snapshot: input.snapshot,
    live,
    diff,
    target: input.target,
    allowIpChanges: input.allowIpChanges,
  });
  const today = projectToday(assessment, live, input.snapshot);
  const keep = healthyKeepers(assessment, today);
  const ordered = problems.length === 0 ? orderAndCheck(input, diff, assessment, keep) : { steps: [], refusals: [] };
  const projectedFindings = diagnoseProjection(projectSnapshot(input.snapshot, diff.resulting, assessment.projected));
  const todayFindings = diagnoseProjection(projectSnapshot(input.snapshot, live, today));
  const refusals = [...assessment.refusals, ...ordered.refusals, ...speakerRefusals(projectedFindings, todayFindings)];
  return {
    schemaVersion: 1,
    target: input.target,
    valid: problems.length === 0,
    safe: problems.length === 0 && refusals.length === 0,
    problems,
    refusals,
    changes: diff.changes,
    impact: assessment.impact,
    unannouncedPools: assessment.unannouncedPools,
    steps: ordered.steps,
    basedOn: configFingerprint(live),
    projectedFindings,
  };
}
