// `guard install|uninstall|status` on the lab's real API server: an ordinary user (the lab's static-token identity
// lab-restricted, with RBAC to edit MetalLB config) using plain kubectl is refused by the ValidatingAdmissionPolicies
// with the policy's message, while the runbooks and apply, through the worker's ServiceAccount, still work.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import type { Client, Connection } from '@temporalio/client';
import { RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { startRunbook } from '../../client/commands/fix-start.js';
import { changeWorkflowId, type ChangeName } from '../../domain/runbooks/names.js';
import { labContext } from '../../lab/pki.js';
import { desired } from './apply-helpers.js';
import { finish } from './fix-helpers.js';
import {
  createL2Advertisement,
  createLoadBalancer,
  createNamespace,
  createPool,
  deleteAllMetallbConfig,
  eventually,
  lab,
  labClients,
  removeNamespace,
  temporalClient,
  uniqueName,
  waitForIp,
} from './helpers.js';
import {
  applyAsAdmin,
  deployDir,
  identityEnv,
  renderKustomization,
  runAs,
  serviceAccountIdentity,
  startWorkerCommand,
  workerCommandLine,
  type ChildWorker,
} from './least-privilege.js';

const ns = uniqueName('guard');
const cluster = uniqueName('guard-cluster');
const adminEnv = () => ({ ...process.env, KUBECONFIG: lab().kubeconfig, NO_COLOR: '1' });
const ordinaryUserGrant = 'guard-test-metallb-editor';

/** Plain kubectl as the lab's ordinary user. */
function kubectlAsUser(args: string[], input?: string) {
  const context = labContext('restricted');
  const result = spawnSync('kubectl', ['--kubeconfig', lab().kubeconfig, '--context', context, ...args], {
    encoding: 'utf8',
    ...(input === undefined ? {} : { input }),
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr.trim() };
}

type KubectlResult = ReturnType<typeof kubectlAsUser>;

/**
 * Repeats the request until `until` holds: the API server compiles a new or changed policy from its informer, so a
 * request right after `guard install` may still meet the policies as they were.
 */
function kubectlUntil(
  what: string,
  args: string[],
  until: (result: KubectlResult) => boolean,
  input?: string,
): Promise<KubectlResult> {
  return eventually(
    what,
    () => {
      const result = kubectlAsUser(args, input);
      return until(result) ? result : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 250 },
  );
}

const refused = (result: KubectlResult) => result.status !== 0;
const admitted = (result: KubectlResult) => result.status === 0;

const poolYaml = (name: string, addresses: string[]) =>
  JSON.stringify({
    apiVersion: 'metallb.io/v1beta1',
    kind: 'IPAddressPool',
    metadata: { name, namespace: lab().namespace },
    spec: { addresses },
  });

/** The ordinary user may edit MetalLB config as far as RBAC goes: only admission can refuse it. */
async function grantOrdinaryUser(): Promise<void> {
  const rbac = labClients().kc.makeApiClient(RbacAuthorizationV1Api);
  const namespace = lab().namespace;
  const metadata = { name: ordinaryUserGrant, namespace };
  await rbac.deleteNamespacedRole({ namespace, name: ordinaryUserGrant }).catch(() => undefined);
  await rbac.deleteNamespacedRoleBinding({ namespace, name: ordinaryUserGrant }).catch(() => undefined);
  await rbac.createNamespacedRole({
    namespace,
    body: { metadata, rules: [{ apiGroups: ['metallb.io'], resources: ['*'], verbs: ['*'] }] },
  });
  await rbac.createNamespacedRoleBinding({
    namespace,
    body: {
      metadata,
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: ordinaryUserGrant },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'lab:restricted' }],
    },
  });
}

async function assignedIpv4(pool: string): Promise<number> {
  const { custom, namespace } = labClients();
  const object = (await custom.getNamespacedCustomObject({
    group: 'metallb.io',
    version: 'v1beta1',
    namespace,
    plural: 'ipaddresspools',
    name: pool,
  })) as { status?: { assignedIPv4?: number } };
  return object.status?.assignedIPv4 ?? 0;
}

let client: Client;
let connection: Connection;
let worker: ChildWorker;

async function expectChangePasses(runbook: ChangeName, input: Record<string, unknown>): Promise<void> {
  const started = await startRunbook(client, { runbook, input: { cluster, requestedBy: 'guard-test', ...input } });
  const run = await finish(
    client.workflow.getHandle(started.workflowId, started.firstExecutionRunId),
    `guard-${runbook}`,
  );
  expect(run.failure, `${runbook}: ${run.failure}`).toBeUndefined();
}

const widenTo = (addresses: string[]) =>
  expectChangePasses('apply', {
    desired: [desired('IPAddressPool', 'g-pool', { addresses })],
    prune: null,
    allowIpChanges: false,
    approval: null,
  });

beforeAll(async () => {
  expect(runAs(['guard', 'uninstall'], adminEnv()).status).toBe(0);
  await deleteAllMetallbConfig();
  await createNamespace(ns);
  await createPool('g-pool', ['192.0.2.96/28']);
  await createL2Advertisement('g-l2', ['g-pool']);
  await createLoadBalancer(ns, 'web');
  await waitForIp(ns, 'web');
  await eventually('the pool status to count the assigned IP', async () =>
    (await assignedIpv4('g-pool')) === 1 ? true : undefined,
  );
  await grantOrdinaryUser();
  const full = renderKustomization(`${deployDir}/overlays/full`);
  await applyAsAdmin(full);
  const identity = await serviceAccountIdentity('metallb-runbooks', 'metallb-runbooks', cluster);
  worker = await startWorkerCommand(workerCommandLine(full, cluster), identityEnv(identity));
  ({ client, connection } = await temporalClient());
});

afterAll(async () => {
  runAs(['guard', 'uninstall'], adminEnv());
  await worker?.stop();
  await client?.workflow
    .getHandle(changeWorkflowId(cluster))
    .terminate('test ended')
    .catch(() => undefined);
  await connection?.close();
  await removeNamespace(ns);
  await deleteAllMetallbConfig();
});

describe('guard install', () => {
  it('installs the two pool policies, and a second install changes nothing (idempotent)', () => {
    const first = runAs(['guard', 'install'], adminEnv());
    expect(first.stderrLines).toEqual([]);
    expect(first.status).toBe(0);
    const second = runAs(['guard', 'install'], adminEnv());
    expect(second.status).toBe(0);
    expect(second.stdout).toBe(first.stdout);
    const status = runAs(['guard', 'status'], adminEnv());
    expect(status.stdout).toContain('2 policies; change control off');
    expect(status.stdout).toMatch(/metallb-runbooks-pool-in-use\s*│\s*Deny/);
    expect(status.stdout).toMatch(/metallb-runbooks-pool-keeps-addresses\s*│\s*Deny/);
  });

  it('refuses the ordinary user deleting a pool in use, with the policy message; the pool stays', async () => {
    const args = ['delete', 'ipaddresspool', 'g-pool', '-n', lab().namespace];
    const result = await kubectlUntil('the in-use policy to refuse', args, refused);
    expect(result.stderr).toContain('ValidatingAdmissionPolicy');
    expect(result.stderr).toContain('IPAddressPool g-pool still has 1 assigned IP(s)');
    expect(await assignedIpv4('g-pool')).toBe(1);
  });

  it('refuses the ordinary user an update that drops every address', async () => {
    const patch = JSON.stringify({ spec: { addresses: [] } });
    const args = ['patch', 'ipaddresspool', 'g-pool', '-n', lab().namespace, '--type=merge', '-p', patch];
    const result = await kubectlUntil('the addresses policy to refuse', args, refused);
    expect(result.stderr).toContain('IPAddressPool g-pool: the update drops spec.addresses entirely');
  });

  it('lets the ordinary user create and delete a pool nobody uses', () => {
    expect(kubectlAsUser(['apply', '-f', '-'], poolYaml('g-spare', ['203.0.113.0/28'])).status).toBe(0);
    const deleted = kubectlAsUser(['delete', 'ipaddresspool', 'g-spare', '-n', lab().namespace]);
    expect(deleted.stderr).toBe('');
    expect(deleted.status).toBe(0);
  });

  it('the worker still applies a change and re-creates the config (deleting the pool in use)', async () => {
    await widenTo(['192.0.2.96/27']);
    await expectChangePasses('reapply-config', { mode: 'recreate' });
  });

  it('refuses an ordinary user that may not install policies: one line, exit 2', () => {
    const result = runAs(['guard', 'install', '--context', labContext('restricted')], adminEnv());
    expect(result.status).toBe(2);
    expect(result.stderrLines).toHaveLength(1);
    expect(result.stderrLines[0]).toMatch(/^metallb-runbooks: guard: apply ValidatingAdmissionPolicy .*forbidden/i);
  });

  it('--break-glass-group without --change-control is a usage error', () => {
    const result = runAs(['guard', 'install', '--break-glass-group', 'oncall'], adminEnv());
    expect(result.status).toBe(2);
    expect(result.stderrLines).toEqual(['metallb-runbooks: guard install: --break-glass-group needs --change-control']);
  });
});

describe('guard install --change-control', () => {
  it('refuses every MetalLB config write by the ordinary user; the worker still applies', async () => {
    const installed = runAs(['guard', 'install', '--change-control', '--break-glass-group', 'oncall'], adminEnv());
    expect(installed.status).toBe(0);
    expect(runAs(['guard', 'status'], adminEnv()).stdout).toContain('3 policies; change control on');
    const spare = poolYaml('g-spare', ['203.0.113.0/28']);
    // A server-side dry run goes through admission on every try; a retried `apply` of an object admitted
    // before the policy took effect would be "unchanged" and never ask admission again.
    const probe = ['create', '--dry-run=server', '-f', '-'];
    const created = await kubectlUntil('change control to refuse', probe, refused, spare);
    expect(created.stderr).toContain('change control: MetalLB config is changed through metallb-runbooks apply');
    expect(created.stderr).toContain('or by break-glass group oncall; lab-restricted may not create ipaddresspools');
    await widenTo(['192.0.2.96/26']);
  });

  it('lets the break-glass group write, once named', async () => {
    const installed = runAs(
      ['guard', 'install', '--change-control', '--break-glass-group', 'lab:restricted'],
      adminEnv(),
    );
    expect(installed.status).toBe(0);
    const spare = poolYaml('g-spare', ['203.0.113.0/28']);
    await kubectlUntil('the break-glass group to be admitted', ['apply', '-f', '-'], admitted, spare);
    expect(kubectlAsUser(['delete', 'ipaddresspool', 'g-spare', '-n', lab().namespace]).status).toBe(0);
  });

  it('install without --change-control takes change control away again; uninstall removes everything', () => {
    const reinstalled = runAs(['guard', 'install'], adminEnv());
    expect(reinstalled.stdout).toContain('removed metallb-runbooks-change-control');
    expect(runAs(['guard', 'uninstall'], adminEnv()).stdout).toContain('removed metallb-runbooks-pool-in-use');
    expect(runAs(['guard', 'status'], adminEnv()).stdout).toContain('guard is not installed');
    expect(runAs(['guard', 'uninstall'], adminEnv()).stdout).toContain('nothing to remove');
  });
});
