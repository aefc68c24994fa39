// The run of `guard install|uninstall|status`: server-side apply of the policies domain/guard/policies.ts builds,
// deletion by label, and a table of what is installed. An API error is one line, exit 2, naming what failed.
import {
  AdmissionregistrationV1Api,
  KubernetesObjectApi,
  PatchStrategy,
  type KubeConfig,
  type V1ValidatingAdmissionPolicy,
} from '@kubernetes/client-node';
import { classifyKubeError } from '../../domain/kube-errors.js';
import {
  guardLabel,
  guardPolicies,
  guardPolicyNames,
  refusesAnnotation,
  type GuardOptions,
} from '../../domain/guard/policies.js';
import { clusterName, loadKubeConfig } from '../../kube/client.js';
import { table } from '../terminal.js';
import { UsageError } from '../usage-error.js';
import type { GuardInstallOptions, GuardTargetOptions } from './guard.js';

const guardFieldManager = 'metallb-runbooks-guard';
const labelSelector = `${guardLabel.key}=${guardLabel.value}`;

/** Runs one API call; a failure becomes one line (exit 2) saying what was attempted and what to do. */
async function guardCall<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    const { status, message } = classifyKubeError(error);
    const hint =
      status === 403
        ? ': guard needs create/patch/delete on validatingadmissionpolicies and their bindings (cluster admin)'
        : status === 404
          ? ': this API server does not serve admissionregistration.k8s.io/v1 ValidatingAdmissionPolicy (1.30+)'
          : '';
    throw new UsageError(`guard: ${what}: ${message}${hint}`);
  }
}

function targetOf(opts: GuardTargetOptions): KubeConfig {
  return loadKubeConfig({ kubeconfig: opts.kubeconfig, context: opts.context });
}

/** `install` flags as the domain takes them; contradictory flags are a usage error. */
export function guardOptionsOf(opts: GuardInstallOptions): GuardOptions {
  const groups = opts.breakGlassGroup ?? [];
  if (groups.length && !opts.changeControl)
    throw new UsageError('guard install: --break-glass-group needs --change-control');
  if (!/^[a-z0-9][a-z0-9.-]*:[a-z0-9][a-z0-9.-]*$/.test(opts.workerServiceAccount))
    throw new UsageError(
      `guard install: --worker-service-account "${opts.workerServiceAccount}" is not <namespace>:<name>`,
    );
  return {
    workerServiceAccount: opts.workerServiceAccount,
    changeControl: opts.changeControl ? { breakGlassGroups: groups } : null,
  };
}

async function deletePolicy(admission: AdmissionregistrationV1Api, name: string): Promise<boolean> {
  const gone = (error: unknown) => {
    if (classifyKubeError(error).status === 404) return false;
    throw error;
  };
  const binding = await guardCall(`delete ValidatingAdmissionPolicyBinding ${name}`, () =>
    admission.deleteValidatingAdmissionPolicyBinding({ name }).then(() => true, gone),
  );
  const policy = await guardCall(`delete ValidatingAdmissionPolicy ${name}`, () =>
    admission.deleteValidatingAdmissionPolicy({ name }).then(() => true, gone),
  );
  return binding || policy;
}

/** Applies the asked-for policies (policy before binding) and removes guard's others; says what it did. */
export async function installGuard(opts: GuardInstallOptions): Promise<string> {
  const options = guardOptionsOf(opts);
  const kc = targetOf(opts);
  const objects = KubernetesObjectApi.makeApiClient(kc);
  const wanted = guardPolicies(options);
  for (const { name, policy, binding } of wanted) {
    for (const object of [policy, binding]) {
      await guardCall(`apply ${object.kind} ${name}`, () =>
        objects.patch(object, undefined, undefined, guardFieldManager, true, PatchStrategy.ServerSideApply),
      );
    }
  }
  const admission = kc.makeApiClient(AdmissionregistrationV1Api);
  const removed: string[] = [];
  for (const name of guardPolicyNames.filter((candidate) => !wanted.some((policy) => policy.name === candidate))) {
    if (await deletePolicy(admission, name)) removed.push(name);
  }
  const lines = wanted.map(({ name, refuses }) => `  ${name}: refuses ${refuses}`);
  const removedLine = removed.length ? [`removed ${removed.join(', ')}`] : [];
  return [`guard installed on ${clusterName(kc)}:`, ...lines, ...removedLine].join('\n');
}

/** Removes every policy and binding guard installed (nothing installed is fine). */
export async function uninstallGuard(opts: GuardTargetOptions): Promise<string> {
  const kc = targetOf(opts);
  const admission = kc.makeApiClient(AdmissionregistrationV1Api);
  const removed: string[] = [];
  for (const name of guardPolicyNames) if (await deletePolicy(admission, name)) removed.push(name);
  return removed.length
    ? `guard uninstalled from ${clusterName(kc)}: removed ${removed.join(', ')}`
    : `guard was not installed on ${clusterName(kc)}; nothing to remove`;
}

function statusRow(policy: V1ValidatingAdmissionPolicy, boundNames: Set<string>): string[] {
  const name = policy.metadata?.name ?? '';
  const bound = boundNames.has(name) ? 'Deny' : 'no binding: not enforced';
  return [name, bound, policy.metadata?.annotations?.[refusesAnnotation] ?? ''];
}

/** A table of the installed policies, whether each is bound (enforced), and what each refuses. */
export async function guardStatus(opts: GuardTargetOptions): Promise<string> {
  const kc = targetOf(opts);
  const admission = kc.makeApiClient(AdmissionregistrationV1Api);
  const policies = await guardCall('list ValidatingAdmissionPolicies', () =>
    admission.listValidatingAdmissionPolicy({ labelSelector }),
  );
  const bindings = await guardCall('list ValidatingAdmissionPolicyBindings', () =>
    admission.listValidatingAdmissionPolicyBinding({ labelSelector }),
  );
  if (!policies.items.length) return `guard is not installed on ${clusterName(kc)}`;
  const bound = new Set(bindings.items.map((binding) => binding.spec?.policyName ?? ''));
  const rows = table(['policy', 'enforced', 'refuses']);
  for (const policy of policies.items) rows.push(statusRow(policy, bound));
  const changeControl = policies.items.some((policy) => policy.metadata?.name === guardPolicyNames[2]);
  return [
    `guard on ${clusterName(kc)}: ${policies.items.length} policies; change control ${changeControl ? 'on' : 'off'}`,
    rows.toString(),
  ].join('\n');
}
