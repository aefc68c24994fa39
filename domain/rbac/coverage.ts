// Least privilege, checked both ways: every API call an identity made is allowed by one of the declared
// rules, and every verb of every rule was needed by some call. The calls come from the API server's audit
// log, the rules from the Role and ClusterRole manifests in deploy/.
import { z } from 'zod';

/** One request as the API server authorized it. */
export interface ApiCall {
  verb: string;
  /** '' for the core group. */
  group: string;
  /** The resource, with its subresource: `pods/log`, `services/status`. */
  resource: string;
  /** Null for a cluster-scoped object. */
  namespace: string | null;
  /** Empty for a list, watch or create. */
  name: string;
}

/** One verb on one resource of a rule: the unit a call uses. */
export interface Grant {
  /** `ClusterRole/<name>` or `Role/<namespace>/<name>`. */
  role: string;
  /** Null: every namespace (a ClusterRole); otherwise the Role's namespace. */
  namespace: string | null;
  verb: string;
  group: string;
  resource: string;
  /** Empty: any name. */
  resourceNames: string[];
}

const RuleSchema = z.object({
  apiGroups: z.array(z.string()).default([]),
  resources: z.array(z.string()).default([]),
  verbs: z.array(z.string()),
  resourceNames: z.array(z.string()).default([]),
});

const RoleSchema = z.object({
  kind: z.enum(['Role', 'ClusterRole']),
  metadata: z.object({ name: z.string(), namespace: z.string().optional() }),
  rules: z.array(RuleSchema).default([]),
});

/** Every grant of the Roles and ClusterRoles among `objects` (other kinds are ignored). */
export function grantsOf(objects: readonly unknown[]): Grant[] {
  return objects.flatMap((object) => {
    const parsed = RoleSchema.safeParse(object);
    if (!parsed.success) return [];
    const { kind, metadata, rules } = parsed.data;
    const namespace = kind === 'Role' ? (metadata.namespace ?? 'default') : null;
    const role = namespace === null ? `ClusterRole/${metadata.name}` : `Role/${namespace}/${metadata.name}`;
    return rules.flatMap((rule) =>
      rule.apiGroups.flatMap((group) =>
        rule.resources.flatMap((resource) =>
          rule.verbs.map((verb) => ({ role, namespace, verb, group, resource, resourceNames: rule.resourceNames })),
        ),
      ),
    );
  });
}

const wildcardOr = (granted: string, asked: string) => granted === '*' || granted === asked;

/** RBAC's own matching, without aggregation or non-resource URLs: verb, group, resource, namespace, name. */
export function allows(grant: Grant, call: ApiCall): boolean {
  if (grant.namespace !== null && grant.namespace !== call.namespace) return false;
  if (!wildcardOr(grant.verb, call.verb) || !wildcardOr(grant.group, call.group)) return false;
  if (!wildcardOr(grant.resource, call.resource)) return false;
  return grant.resourceNames.length === 0 || grant.resourceNames.includes(call.name);
}

/** Calls no grant allows, grants no call used, and grants whose every call another grant allows as well. */
export interface Coverage {
  uncovered: ApiCall[];
  unused: Grant[];
  redundant: Grant[];
}

/** Compares what an identity did with what it may do, both ways. */
export function coverage(calls: readonly ApiCall[], grants: readonly Grant[]): Coverage {
  const usedBy = (grant: Grant) => calls.filter((call) => allows(grant, call));
  const alsoAllowed = (grant: Grant, call: ApiCall) => grants.some((other) => other !== grant && allows(other, call));
  return {
    uncovered: calls.filter((call) => !grants.some((grant) => allows(grant, call))),
    unused: grants.filter((grant) => usedBy(grant).length === 0),
    redundant: grants.filter((grant) => {
      const used = usedBy(grant);
      return used.length > 0 && used.every((call) => alsoAllowed(grant, call));
    }),
  };
}

/** A call in one line, for test failures and the report: `patch apps/deployments controller in metallb-system`. */
export function describeCall(call: ApiCall): string {
  const resource = call.group ? `${call.group}/${call.resource}` : call.resource;
  const name = call.name ? ` ${call.name}` : '';
  return `${call.verb} ${resource}${name}${call.namespace ? ` in ${call.namespace}` : ' (cluster)'}`;
}

/** A grant in one line: `ClusterRole/x: list apps/deployments`. */
export function describeGrant(grant: Grant): string {
  const resource = grant.group ? `${grant.group}/${grant.resource}` : grant.resource;
  const names = grant.resourceNames.length ? ` [${grant.resourceNames.join(',')}]` : '';
  return `${grant.role}: ${grant.verb} ${resource}${names}`;
}

const AuditEventSchema = z.object({
  stage: z.string(),
  verb: z.string(),
  user: z.object({ username: z.string() }),
  stageTimestamp: z.string(),
  objectRef: z
    .object({
      resource: z.string().optional(),
      subresource: z.string().optional(),
      namespace: z.string().optional(),
      name: z.string().optional(),
      apiGroup: z.string().optional(),
    })
    .optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});

/** What one audit line says: who asked for what, and whether RBAC allowed it. */
export interface AuditedCall {
  user: string;
  at: string;
  call: ApiCall;
  allowed: boolean;
  reason: string;
}

type AuditEvent = z.infer<typeof AuditEventSchema>;

/** The call an audit event names; null for a non-resource URL (discovery, /version). */
function callOf(event: AuditEvent): ApiCall | null {
  const ref = event.objectRef;
  if (!ref?.resource) return null;
  return {
    verb: event.verb,
    group: ref.apiGroup ?? '',
    resource: ref.subresource ? `${ref.resource}/${ref.subresource}` : ref.resource,
    namespace: ref.namespace ?? null,
    name: ref.name ?? '',
  };
}

/**
 * The resource requests of an audit log (JSON lines); non-resource URLs are left out. A request counts at its
 * ResponseComplete stage, a long-running one (a watch) already at ResponseStarted: it completes only when it ends.
 */
const countedStages = new Set(['ResponseComplete', 'ResponseStarted']);

export function parseAuditLog(text: string): AuditedCall[] {
  return text.split('\n').flatMap((line) => {
    if (!line.trim()) return [];
    const parsed = AuditEventSchema.safeParse(JSON.parse(line));
    if (!parsed.success || !countedStages.has(parsed.data.stage)) return [];
    const call = callOf(parsed.data);
    if (!call) return [];
    const annotations = parsed.data.annotations ?? {};
    return [
      {
        user: parsed.data.user.username,
        at: parsed.data.stageTimestamp,
        call,
        allowed: annotations['authorization.k8s.io/decision'] === 'allow',
        reason: annotations['authorization.k8s.io/reason'] ?? '',
      },
    ];
  });
}

/** The same call made many times counts once. */
export function distinctCalls(calls: readonly ApiCall[]): ApiCall[] {
  const seen = new Map(calls.map((call) => [describeCall(call), call]));
  return [...seen.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, call]) => call);
}
