// Replays a plan's steps on the live config and Services: every state after a write must pass what the
// API server and the webhook check (our validator's rules of theirs, plus the overlap rule), and at every
// rest point (a step not followed immediately) every healthy Service must hold the IPs it holds today.
import { findOverlaps } from '../addresses.js';
import type { NamespaceIndex, PoolView } from '../diagnose/pools.js';
import { viewService, type ServiceView } from '../diagnose/services.js';
import type { Service } from '../kube-schemas.js';
import { pinAnnotation } from '../runbooks/pins.js';
import { objectKey, poolViewsOf } from './config-objects.js';
import { projectAllocations } from './project.js';
import type { ConfigObject, PlannedPin, PlanStep, PlanTarget } from './types.js';
import { validateConfig } from './validate.js';

/** What a sequence is replayed on. */
export interface SequenceInput {
  live: readonly ConfigObject[];
  steps: readonly PlanStep[];
  services: readonly ServiceView[];
  /** `namespace/name` of the Services that must keep their current IPs at every rest point. */
  keep: ReadonlySet<string>;
  target: PlanTarget;
  namespaces: NamespaceIndex;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function objectOf(step: Extract<PlanStep, { manifest: Record<string, unknown> }>, namespace: string): ConfigObject {
  const metadata = isRecord(step.manifest.metadata) ? step.manifest.metadata : {};
  return {
    kind: step.kind,
    apiVersion: typeof step.manifest.apiVersion === 'string' ? step.manifest.apiVersion : 'metallb.io/v1beta1',
    name: step.name,
    namespace,
    labels: isRecord(metadata.labels) ? (metadata.labels as Record<string, string>) : {},
    manifest: step.manifest,
    source: null,
  };
}

function withIps(view: ServiceView, ips: readonly string[], annotations: Record<string, string>): ServiceView {
  const service: Service = {
    ...view.service,
    metadata: { ...view.service.metadata, annotations },
    status: { ...view.service.status, loadBalancer: { ingress: ips.map((ip) => ({ ip })) } },
  };
  return viewService(service);
}

function applyPins(services: Map<string, ServiceView>, pins: readonly PlannedPin[], pin: boolean): void {
  for (const entry of pins) {
    const view = services.get(`${entry.namespace}/${entry.name}`);
    if (view === undefined) continue;
    const annotations = { ...(view.service.metadata.annotations ?? {}) };
    if (pin) annotations[pinAnnotation] = entry.ips.join(',');
    else delete annotations[pinAnnotation];
    services.set(
      view.key,
      withIps(
        view,
        view.ips.map((ip) => ip.text),
        annotations,
      ),
    );
  }
}

// Most pools are the same object from one step to the next: parse each once (per namespace index, since
// namespaceSelectors resolve against it).
const poolCache = new WeakMap<NamespaceIndex, WeakMap<ConfigObject, PoolView[]>>();

function poolsOf(objects: readonly ConfigObject[], namespaces: NamespaceIndex): PoolView[] {
  let cache = poolCache.get(namespaces);
  if (cache === undefined) poolCache.set(namespaces, (cache = new WeakMap()));
  const views = cache;
  return objects.flatMap((object) => {
    if (object.kind !== 'IPAddressPool') return [];
    let parsed = views.get(object);
    if (parsed === undefined) views.set(object, (parsed = poolViewsOf([object], namespaces)));
    return parsed;
  });
}

function stateProblems(config: Map<string, ConfigObject>, input: SequenceInput): string[] {
  const objects = [...config.values()];
  const pools = poolsOf(objects, input.namespaces).filter((pool) => pool.error === null);
  // What refuses a write is the API server or the webhook; a dangling advertisement reference while a pool is
  // swapped, say, is transient and MetalLB skips it. The final config is validated in full by the planner.
  return [
    ...validateConfig(objects, input.target)
      .filter((problem) => problem.rejectedBy === 'webhook' || problem.rejectedBy === 'apiserver')
      .map((problem) => problem.message),
    ...findOverlaps(pools).map((o) => o.message),
  ];
}

const sameIps = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && a.every((ip) => b.includes(ip));

// The controller converges on the config at a rest point: project from the previous rest state.
function settle(
  services: Map<string, ServiceView>,
  config: Map<string, ConfigObject>,
  input: SequenceInput,
  where: string,
): string[] {
  const projected = projectAllocations({
    services: [...services.values()],
    pools: poolsOf([...config.values()], input.namespaces),
  });
  const original = new Map(input.services.map((view) => [view.key, view.ips.map((ip) => ip.text)]));
  const problems: string[] = [];
  for (const [key, entry] of projected) {
    if (input.keep.has(key) && !sameIps(entry.after, original.get(key) ?? []))
      problems.push(
        `${where}, ${key} would hold ${entry.after.join(', ') || 'no IP'} instead of ${original.get(key)!.join(', ')}`,
      );
    // Only Services whose IPs moved need a new view.
    if (!entry.kept) services.set(key, withIps(entry.view, entry.after, entry.view.service.metadata.annotations ?? {}));
  }
  return problems;
}

type ObjectStep = Exclude<PlanStep, { pins: PlannedPin[] }>;
const isObjectStep = (step: PlanStep): step is ObjectStep => !('pins' in step);

/** One line per invalid intermediate state or healthy Service IP that a step would change. */
export function checkSequence(input: SequenceInput): string[] {
  const config = new Map(input.live.map((object) => [objectKey(object), object]));
  const services = new Map(input.services.map((view) => [view.key, view]));
  const problems: string[] = [];
  input.steps.forEach((step, position) => {
    const where = `after step ${position + 1} (${step.why})`;
    if (isObjectStep(step)) {
      if (step.action === 'delete') config.delete(objectKey(step));
      else config.set(objectKey(step), objectOf(step, input.target.namespace));
      problems.push(...stateProblems(config, input).map((message) => `${where} the config is invalid: ${message}`));
      if (step.followedImmediately === true || step.kind !== 'IPAddressPool') return;
    } else applyPins(services, step.pins, step.action === 'pin-services');
    problems.push(...settle(services, config, input, where));
  });
  return problems;
}
