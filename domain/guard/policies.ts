// The guardrails `metallb-runbooks guard install` puts into the API server: ValidatingAdmissionPolicies (CEL,
// admissionregistration.k8s.io/v1, evaluated by the API server itself, no webhook to call) and their bindings.
// They refuse the changes that take Service IPs away at once, whoever makes them with whatever tool.
import type { KubernetesObject } from '@kubernetes/client-node';

/** Every object guard makes carries this label: status and uninstall find them by it. */
export const guardLabel = { key: 'app.kubernetes.io/managed-by', value: 'metallb-runbooks-guard' } as const;

/** MetalLB's config kinds (resource names), the ones change control covers. */
export const metallbConfigResources = [
  'ipaddresspools',
  'l2advertisements',
  'bgpadvertisements',
  'bgppeers',
  'bfdprofiles',
  'communities',
] as const;

/** What `guard install` was asked for. */
export interface GuardOptions {
  /** The worker's ServiceAccount, `<namespace>:<name>`: its changes are planned, pinned and verified, so exempt. */
  workerServiceAccount: string;
  /** Change control: MetalLB config writes only by the worker or these groups. Null: off. */
  changeControl: { breakGlassGroups: string[] } | null;
}

/** One guardrail: what it refuses, in an operator's words (for `status`). */
export interface GuardPolicy {
  name: string;
  refuses: string;
  policy: KubernetesObject;
  binding: KubernetesObject;
}

export const poolInUsePolicyName = 'metallb-runbooks-pool-in-use';
export const poolAddressesPolicyName = 'metallb-runbooks-pool-keeps-addresses';
export const changeControlPolicyName = 'metallb-runbooks-change-control';

/** Every policy name guard may have installed, for uninstall and status. */
export const guardPolicyNames = [poolInUsePolicyName, poolAddressesPolicyName, changeControlPolicyName] as const;

export const workerUsername = (serviceAccount: string) => `system:serviceaccount:${serviceAccount}`;

/** A CEL string literal: single-quoted, with backslashes and quotes escaped. */
export function celString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

const celList = (values: readonly string[]) => `[${values.map(celString).join(', ')}]`;

const labels = { [guardLabel.key]: guardLabel.value };

function bindingFor(name: string): KubernetesObject {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicyBinding',
    metadata: { name, labels },
    spec: { policyName: name, validationActions: ['Deny'] },
  } as KubernetesObject;
}

/** `guard status` prints what each installed policy refuses from this annotation. */
export const refusesAnnotation = 'metallb-runbooks/refuses';

interface PolicySpec {
  name: string;
  refuses: string;
  operations: string[];
  resources: readonly string[];
  matchConditions: { name: string; expression: string }[];
  validations: { expression: string; messageExpression: string; reason: string }[];
}

function policyObject(spec: PolicySpec): KubernetesObject {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicy',
    metadata: { name: spec.name, labels, annotations: { [refusesAnnotation]: spec.refuses } },
    spec: {
      // An expression that cannot be evaluated refuses: a guardrail that fails open guards nothing.
      failurePolicy: 'Fail',
      matchConstraints: {
        resourceRules: [
          { apiGroups: ['metallb.io'], apiVersions: ['*'], operations: spec.operations, resources: spec.resources },
        ],
      },
      matchConditions: spec.matchConditions,
      validations: spec.validations,
    },
  } as KubernetesObject;
}

const notTheWorker = (options: GuardOptions) => ({
  name: 'not-the-metallb-runbooks-worker',
  expression: `request.userInfo.username != ${celString(workerUsername(options.workerServiceAccount))}`,
});

/** MetalLB 0.15+ counts a pool's assigned addresses in status.assignedIPv4 / assignedIPv6. */
const assignedIps = (field: 'assignedIPv4' | 'assignedIPv6') =>
  `(has(oldObject.status) && has(oldObject.status.${field}) ? oldObject.status.${field} : 0)`;

function poolInUse(options: GuardOptions): GuardPolicy {
  const assigned = `${assignedIps('assignedIPv4')} + ${assignedIps('assignedIPv6')}`;
  const refuses = 'deleting an IPAddressPool whose status shows assigned IPs';
  const policy = policyObject({
    name: poolInUsePolicyName,
    refuses,
    operations: ['DELETE'],
    resources: ['ipaddresspools'],
    matchConditions: [notTheWorker(options)],
    validations: [
      {
        expression: `${assigned} == 0`,
        messageExpression:
          `'IPAddressPool ' + oldObject.metadata.name + ' still has ' + string(${assigned}) + ' assigned IP(s) ` +
          `(status.assignedIPv4/assignedIPv6): deleting it takes them from their Services; move them first ` +
          `(metallb-runbooks plan -f <config without it> shows where they go, apply moves them)'`,
        reason: 'Forbidden',
      },
    ],
  });
  return {
    name: poolInUsePolicyName,
    refuses,
    policy,
    binding: bindingFor(poolInUsePolicyName),
  };
}

function poolKeepsAddresses(options: GuardOptions): GuardPolicy {
  const refuses = 'an IPAddressPool update that drops spec.addresses entirely';
  const policy = policyObject({
    name: poolAddressesPolicyName,
    refuses,
    operations: ['UPDATE'],
    resources: ['ipaddresspools'],
    matchConditions: [notTheWorker(options)],
    validations: [
      {
        expression:
          '!has(oldObject.spec.addresses) || size(oldObject.spec.addresses) == 0 || ' +
          '(has(object.spec.addresses) && size(object.spec.addresses) > 0)',
        messageExpression:
          `'IPAddressPool ' + object.metadata.name + ': the update drops spec.addresses entirely, which takes ` +
          `every IP of the pool from its Services; keep at least one range (or delete the pool once it is unused)'`,
        reason: 'Invalid',
      },
    ],
  });
  return {
    name: poolAddressesPolicyName,
    refuses,
    policy,
    binding: bindingFor(poolAddressesPolicyName),
  };
}

function changeControl(options: GuardOptions, groups: readonly string[]): GuardPolicy {
  const worker = workerUsername(options.workerServiceAccount);
  const allowed = groups.length ? `request.userInfo.groups.exists(group, group in ${celList(groups)})` : 'false';
  const who = [`the worker (${worker})`, ...groups.map((group) => `group ${group}`)].join(' or ');
  const refuses = `MetalLB config writes by anyone but ${who}`;
  const policy = policyObject({
    name: changeControlPolicyName,
    refuses,
    operations: ['CREATE', 'UPDATE', 'DELETE'],
    resources: metallbConfigResources,
    matchConditions: [notTheWorker(options)],
    validations: [
      {
        expression: allowed,
        messageExpression:
          `'change control: MetalLB config is changed through metallb-runbooks apply (the worker ' + ` +
          `${celString(worker)} + ')` +
          (groups.length ? ` or by break-glass group ${groups.join(', ')}` : '') +
          `; ' + request.userInfo.username + ' may not ' + request.operation.lowerAscii() + ' ' + ` +
          `request.resource.resource + '/' + request.name`,
        reason: 'Forbidden',
      },
    ],
  });
  return {
    name: changeControlPolicyName,
    refuses,
    policy,
    binding: bindingFor(changeControlPolicyName),
  };
}

/** The policies `install` leaves in place, in apply order; anything else guard made is removed. */
export function guardPolicies(options: GuardOptions): GuardPolicy[] {
  const always = [poolInUse(options), poolKeepsAddresses(options)];
  if (!options.changeControl) return always;
  return [...always, changeControl(options, options.changeControl.breakGlassGroups)];
}
