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
import { labelValueErrors, qualifiedNameErrors } from './label-syntax.js';
import { fieldsSince, isBefore } from './versions.js';

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

type Check = (object: ConfigObject, namespace: string) => ValidationProblem | null;

const servedVersion: Check = (object) => {
  if (servedVersions[object.kind].includes(object.apiVersion)) return null;
  const message = `no matches for kind ${goQuote(object.kind)} in version ${goQuote(object.apiVersion)}`;
  return problem(object, 'unknown-api-version', { rejectedBy: 'apiserver', field: 'apiVersion', message });
};

const validName: Check = (object) => {
  if (object.name.length <= 253 && DNS_SUBDOMAIN.test(object.name)) return null;
  const message =
    `metadata.name: Invalid value: ${goQuote(object.name)}: a lowercase RFC 1123 subdomain must consist of ` +
    "lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
  return problem(object, 'invalid-name', { rejectedBy: 'apiserver', field: 'metadata.name', message });
};

const validLabels: Check = (object) => {
  const metadata = object.manifest.metadata as { labels?: unknown } | undefined;
  const labels = metadata?.labels ?? {};
  const entries: [string, unknown][] =
    typeof labels === 'object' && labels !== null ? Object.entries(labels) : [['', labels]];
  for (const [key, value] of entries) {
    const keyErrors = qualifiedNameErrors(key);
    const valueErrors = typeof value === 'string' ? labelValueErrors(value) : ['must be a string'];
    if (keyErrors.length + valueErrors.length === 0) continue;
    const [bad, errors] = keyErrors.length > 0 ? [key, keyErrors] : [String(value), valueErrors];
    const message = `metadata.labels: Invalid value: ${goQuote(bad)}: ${errors.join('; ')}`;
    return problem(object, 'invalid-label', { rejectedBy: 'apiserver', field: `metadata.labels.${key}`, message });
  }
  return null;
};

// A BGPPeer created with disableMP only gets a deprecation warning: not even the namespace is checked.
const inNamespace: Check = (object, namespace) => {
  if (object.namespace === namespace) return null;
  const skipped = object.kind === 'BGPPeer' && (object.manifest.spec as BGPPeerSpec | undefined)?.disableMP === true;
  const message = skipped
    ? `the webhook admits a BGPPeer with disableMP anywhere, but MetalLB reads only the ${namespace} namespace`
    : `resource must be created in ${namespace} namespace`;
  const rejectedBy = skipped ? 'tool' : 'webhook';
  return problem(object, 'wrong-namespace', { rejectedBy, field: 'metadata.namespace', message });
};

// What the API server and the namespace check refuse before MetalLB parses anything: the first.
function admissionProblems(object: ConfigObject, namespace: string): ValidationProblem[] {
  for (const check of [servedVersion, validName, validLabels, inNamespace]) {
    const refused = check(object, namespace);
    if (refused !== null) return [refused];
  }
  return [];
}

const topLevelFields = new Set(['apiVersion', 'kind', 'metadata', 'spec', 'status']);

// A misspelt `spec` leaves an empty spec, which for an advertisement means "every pool".
function unknownTopLevel(object: ConfigObject): ValidationProblem[] {
  if (object.source === null) return [];
  return Object.keys(object.manifest)
    .filter((key) => !topLevelFields.has(key))
    .map((key) => {
      const message = `unknown field ${goQuote(key)}: the API server drops it (check the spelling)`;
      return problem(object, 'unknown-field', { rejectedBy: 'tool', field: key, message });
    });
}

// Fields newer than the target's CRDs: its API server drops them, so MetalLB judges the spec without.
function withoutNewerFields(entity: Entity<unknown>, version: string | null) {
  const since = fieldsSince[entity.object.kind] ?? {};
  const spec = { ...(entity.spec as Record<string, unknown>) };
  const problems: ValidationProblem[] = [];
  for (const [field, added] of Object.entries(since)) {
    const value = spec[field];
    if (value === undefined || value === null || value === false || !isBefore(version, added)) continue;
    delete spec[field];
    const message = `spec.${field} is new in MetalLB v${added.join('.')}: the API server of ${version} drops it`;
    const found = problem(entity.object, 'field-not-in-version', {
      rejectedBy: 'tool',
      field: `spec.${field}`,
      message,
    });
    if (entity.object.source !== null) problems.push(found);
  }
  return { entity: { ...entity, spec }, problems };
}

function entityOf(object: ConfigObject, order: number, version: string | null) {
  const { entity, problems } = specEntityOf(object, order);
  const pruned = entity === null ? { entity, problems: [] } : withoutNewerFields(entity, version);
  return { entity: pruned.entity, problems: [...unknownTopLevel(object), ...problems, ...pruned.problems] };
}

function specEntityOf(
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
  // The API server already pruned a live object: a field it kept is one the cluster's CRD knows.
  const kept =
    object.source === null ? checked.problems.filter((found) => found.rule !== 'unknown-field') : checked.problems;
  const problems = kept.map((found) =>
    problem(object, found.rule, { rejectedBy: found.by, field: found.field, message: found.message }),
  );
  return { entity: checked.spec === null ? null : { object, order, spec: checked.spec }, problems };
}

const identity = (object: ConfigObject): string => `${object.kind}/${object.namespace}/${object.name}`;

// Live objects reach the cluster first (they are there), then the documents in the order written.
// A live object that a document also defines is replaced by it.
function inChangeOrder(objects: readonly ConfigObject[]): ConfigObject[] {
  const desired = objects.filter((object) => object.source !== null);
  const replaced = new Set(desired.map(identity));
  return [...objects.filter((object) => object.source === null && !replaced.has(identity(object))), ...desired];
}

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
    const { entity, problems: shape } = entityOf(object, order, target.metallbVersion);
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
