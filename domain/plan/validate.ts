// Validation identical to MetalLB's (API server schema, webhooks, controller and speaker parsers), on
// the config that would result from a change. Unlike MetalLB, which stops at its first error, every
// problem is reported, each saying who in a real cluster refuses it (see RejectedBy).
import type { ConfigModel, Entity, Finding } from './model.js';
import { toProblem } from './model.js';
import { advertisementRules } from './rules/advertisements.js';
import { bgpPoolRules } from './rules/bgp-pools.js';
import { communityRules } from './rules/communities.js';
import { peerRules } from './rules/peers.js';
import { poolRules } from './rules/pools.js';
import { checkSpec } from './shape-problems.js';
import { servedVersions, specRequired, type BGPPeerSpec } from './shapes.js';
import type { ConfigKind, ConfigObject, PlanTarget, ValidationProblem } from './types.js';
import { goQuote } from './go-format.js';

const listOf: Record<ConfigKind, keyof ConfigModel> = {
  IPAddressPool: 'pools',
  L2Advertisement: 'l2Advertisements',
  BGPAdvertisement: 'bgpAdvertisements',
  BGPPeer: 'peers',
  Community: 'communities',
  BFDProfile: 'bfdProfiles',
};

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

const problem = (
  object: ConfigObject,
  rule: string,
  detail: Omit<ValidationProblem, 'rule' | 'source' | 'kind' | 'name'>,
) => ({
  rule,
  source: object.source,
  kind: object.kind,
  name: object.name,
  ...detail,
});

// What the API server and the namespace check refuse before MetalLB parses anything.
function admissionProblems(object: ConfigObject, namespace: string): ValidationProblem[] {
  if (!servedVersions[object.kind].includes(object.apiVersion)) {
    const message = `no matches for kind ${goQuote(object.kind)} in version ${goQuote(object.apiVersion)}`;
    return [problem(object, 'unknown-api-version', { rejectedBy: 'apiserver', field: 'apiVersion', message })];
  }
  if (object.name.length > 253 || !DNS_SUBDOMAIN.test(object.name)) {
    const message =
      `metadata.name: Invalid value: ${goQuote(object.name)}: a lowercase RFC 1123 subdomain must consist of ` +
      "lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
    return [problem(object, 'invalid-name', { rejectedBy: 'apiserver', field: 'metadata.name', message })];
  }
  if (object.namespace !== namespace) {
    const message = `resource must be created in ${namespace} namespace`;
    return [problem(object, 'wrong-namespace', { rejectedBy: 'webhook', field: 'metadata.namespace', message })];
  }
  return [];
}

function entityOf(
  object: ConfigObject,
  order: number,
): { entity: Entity<unknown> | null; problems: ValidationProblem[] } {
  const spec = object.manifest.spec;
  if (spec === undefined || spec === null) {
    if (!specRequired.has(object.kind)) return { entity: { object, order, spec: {} }, problems: [] };
    const message = 'spec: Required value';
    return {
      entity: null,
      problems: [problem(object, 'schema-required', { rejectedBy: 'apiserver', field: 'spec', message })],
    };
  }
  const checked = checkSpec(object.kind, object.apiVersion, spec);
  const problems = checked.problems.map((found) =>
    problem(object, found.rule, { rejectedBy: found.by, field: found.field, message: found.message }),
  );
  return { entity: checked.spec === null ? null : { object, order, spec: checked.spec }, problems };
}

// Live objects reach the cluster first (they are there), then the documents in the order written.
const inChangeOrder = (objects: readonly ConfigObject[]): ConfigObject[] => [
  ...objects.filter((object) => object.source === null),
  ...objects.filter((object) => object.source !== null),
];

function buildModel(objects: readonly ConfigObject[], target: PlanTarget) {
  const model: ConfigModel = {
    pools: [],
    l2Advertisements: [],
    bgpAdvertisements: [],
    peers: [],
    communities: [],
    bfdProfiles: [],
    bgpType: target.bgpType,
    metallbVersion: target.metallbVersion,
  };
  const problems: ValidationProblem[] = [];
  inChangeOrder(objects).forEach((object, order) => {
    const refused = admissionProblems(object, target.namespace);
    problems.push(...refused);
    if (refused.length > 0) return;
    const { entity, problems: shape } = entityOf(object, order);
    problems.push(...shape);
    if (entity !== null) (model[listOf[object.kind]] as Entity<unknown>[]).push(entity);
  });
  return { model, problems };
}

// A BGPPeer created with disableMP gets only a deprecation warning: the webhook skips validating it.
function refusedBy(finding: Finding): Finding {
  const peer = finding.on.object.kind === 'BGPPeer' ? (finding.on.spec as BGPPeerSpec) : null;
  return peer?.disableMP === true && finding.by === 'webhook' ? { ...finding, by: 'speaker' } : finding;
}

const sourceRank = (found: ValidationProblem): [string, number] =>
  found.source === null ? ['', -1] : [found.source.file, found.source.document];

/**
 * Every problem of the resulting config at once. `objects` is the whole MetalLB config after the
 * change: desired objects (with a source) plus live objects the change keeps (source null).
 */
export function validateConfig(objects: readonly ConfigObject[], target: PlanTarget): ValidationProblem[] {
  const { model, problems } = buildModel(objects, target);
  const rules = [poolRules, advertisementRules, bgpPoolRules, communityRules, peerRules];
  const findings = rules.flatMap((rule) => rule(model)).map(refusedBy);
  const all = [...problems, ...findings.map(toProblem)];
  const files = ['', ...new Set(objects.map((object) => object.source?.file ?? ''))];
  // Stable: by file as given, then document; problems of live objects first.
  return all
    .map((found, index) => ({ found, index }))
    .sort((a, b) => {
      const [fileA, docA] = sourceRank(a.found);
      const [fileB, docB] = sourceRank(b.found);
      return files.indexOf(fileA) - files.indexOf(fileB) || docA - docB || a.index - b.index;
    })
    .map(({ found }) => found);
}
