// Which Kubernetes API request the fault proxy (fault-proxy.ts) breaks, and how: the pure part,
// unit-tested on its own (test/unit/integration/fault-rules.test.ts).

/** What the proxy can do to one request. */
export type FaultKind =
  /** Answer 500 without forwarding. */
  | 'status-500'
  /** Answer 503 without forwarding. */
  | 'status-503'
  /** Answer 429 with Retry-After without forwarding. */
  | 'throttle-429'
  /** Answer 409 Conflict without forwarding (meant for writes). */
  | 'conflict-409'
  /** Forward, then cut the connection after part of the response body (a write is applied, its answer lost). */
  | 'reset-mid-body'
  /** Forward, then hold the response past the client's patience and cut it (a write is applied). */
  | 'stall'
  /** Forward a streamed response (a pod log, a watch), cut it after its first bytes. */
  | 'stream-cut'
  /** Forward after a delay. */
  | 'slow';

/** Every fault kind, in the order the matrix prints them. */
export const faultKinds: readonly FaultKind[] = [
  'status-500',
  'status-503',
  'throttle-429',
  'conflict-409',
  'reset-mid-body',
  'stall',
  'stream-cut',
  'slow',
];

/** The Kubernetes verb of a request, as RBAC names it. */
export type KubeVerb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';

const writeVerbs: ReadonlySet<KubeVerb> = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);

/** What a rule can match a request on. */
export interface KubeRequest {
  verb: KubeVerb;
  /** Plural resource, e.g. "services", "ipaddresspools"; "" for discovery paths. */
  resource: string;
  /** "status", "log", ... or null. */
  subresource: string | null;
  namespace: string | null;
  name: string | null;
  write: boolean;
}

/** Which requests a rule counts; every given field must match. */
export interface RequestMatch {
  verbs?: readonly KubeVerb[];
  resources?: readonly string[];
  /** A subresource, or null for the object itself. */
  subresource?: string | null;
  /** Only writes (create, update, patch, delete). */
  writes?: boolean;
}

/** When a rule fires among the requests it matches (counted from 1). */
export type Trigger = { nth: number } | { every: number } | { rate: number; seed?: number };

/** One fault to inject. */
export interface FaultRule {
  fault: FaultKind;
  match?: RequestMatch;
  trigger: Trigger;
  /** At most this many injections; default 1 for `nth`, unlimited otherwise. */
  limit?: number;
  /** For throttle-429: the Retry-After header, seconds (default 1). */
  retryAfterSeconds?: number;
  /** For stall: how long the response is held before the connection is cut (default 10 s). */
  stallMs?: number;
  /** For slow: the delay before forwarding (default 300 ms). */
  delayMs?: number;
}

const discovery: KubeRequest = {
  verb: 'get',
  resource: '',
  subresource: null,
  namespace: null,
  name: null,
  write: false,
};

/** Splits /api/v1/... or /apis/<group>/<version>/... into the segments after the version. */
function resourceSegments(pathname: string): string[] | null {
  const parts = pathname.split('/').filter(Boolean);
  if (parts[0] === 'api' && parts.length >= 3) return parts.slice(2);
  if (parts[0] === 'apis' && parts.length >= 4) return parts.slice(3);
  return null;
}

function verbOf(method: string, named: boolean, watch: boolean): KubeVerb {
  switch (method.toUpperCase()) {
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return named ? 'delete' : 'deletecollection';
    default:
      return named ? 'get' : watch ? 'watch' : 'list';
  }
}

/** The namespace a path names (a namespace object names itself) and the segments after it. */
function namespaceOf(segments: string[]): { namespace: string | null; rest: string[] } {
  if (segments[0] !== 'namespaces') return { namespace: null, rest: segments };
  const namespace = segments[1] ?? null;
  return segments.length >= 3 ? { namespace, rest: segments.slice(2) } : { namespace, rest: segments };
}

/** What a request does, from its method and URL (path and query). */
export function describeRequest(method: string, url: string): KubeRequest {
  const parsed = new URL(url, 'https://proxy.invalid');
  const segments = resourceSegments(parsed.pathname);
  if (!segments) return discovery;
  const watch = ['true', '1'].includes(parsed.searchParams.get('watch') ?? '');
  const { namespace, rest } = namespaceOf(segments);
  const [resource = '', name = null, subresource = null] = rest;
  const verb = verbOf(method, name !== null, watch);
  return { verb, resource, subresource, namespace, name, write: writeVerbs.has(verb) };
}

/** True when the request is one the match counts. */
export function matches(match: RequestMatch | undefined, request: KubeRequest): boolean {
  if (!match) return true;
  if (match.verbs && !match.verbs.includes(request.verb)) return false;
  if (match.resources && !match.resources.includes(request.resource)) return false;
  if (match.subresource !== undefined && match.subresource !== request.subresource) return false;
  return match.writes === undefined || match.writes === request.write;
}

/** A small seeded generator (mulberry32): a rate-triggered rule fires on the same requests every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}

/** A rule as the proxy applies it: counts what it matched and what it injected. */
export class ArmedRule {
  matched = 0;
  injected = 0;
  private readonly random: () => number;
  private readonly limit: number;

  constructor(readonly rule: FaultRule) {
    this.random = seededRandom('seed' in rule.trigger ? (rule.trigger.seed ?? 1) : 1);
    this.limit = rule.limit ?? ('nth' in rule.trigger ? 1 : Number.POSITIVE_INFINITY);
  }

  /** Counts the request if it matches, without injecting (another rule took it). */
  count(request: KubeRequest): void {
    if (matches(this.rule.match, request)) this.matched += 1;
  }

  /** Counts the request if it matches; true when the fault is to be injected into it. */
  fires(request: KubeRequest): boolean {
    if (!matches(this.rule.match, request)) return false;
    this.matched += 1;
    if (this.injected >= this.limit || !this.triggered()) return false;
    this.injected += 1;
    return true;
  }

  private triggered(): boolean {
    const trigger = this.rule.trigger;
    if ('nth' in trigger) return this.matched >= trigger.nth;
    if ('every' in trigger) return this.matched % trigger.every === 0;
    return this.random() < trigger.rate;
  }
}

/** The first armed rule that fires for the request (every rule counts it), or null. */
export function firstFiring(rules: readonly ArmedRule[], request: KubeRequest): ArmedRule | null {
  let chosen: ArmedRule | null = null;
  for (const rule of rules) {
    // Later rules still count the request, so "the 3rd write" means the same whatever comes first.
    if (chosen) rule.count(request);
    else if (rule.fires(request)) chosen = rule;
  }
  return chosen;
}

/** The Status body the API server would send with a status code. */
export function statusBody(code: number, reason: string, message: string): string {
  return JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });
}
