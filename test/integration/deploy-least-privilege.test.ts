// deploy/ on the lab's real API server (RBAC on): the worker runs the Deployment's own command line with a
// TokenRequest token of its ServiceAccount. Every runbook and an apply pass under the full overlay; the read-only
// overlay diagnoses and plans and is refused every write. The audit log of the whole run must equal the rules:
// every call allowed by one of them, no call refused, every verb of every rule used.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AppsV1Api, ApiextensionsV1Api, type KubernetesObject } from '@kubernetes/client-node';
import type { Client, Connection } from '@temporalio/client';
import { stringify } from 'yaml';
import { startRunbook } from '../../client/commands/fix-start.js';
import { changeWorkflowId, type ChangeName } from '../../domain/runbooks/names.js';
import type { CleanupOrphansInput } from '../../domain/runbooks/types.js';
import {
  allows,
  coverage,
  describeCall,
  describeGrant,
  distinctCalls,
  grantsOf,
  type Grant,
} from '../../domain/rbac/coverage.js';
import { mergePatch } from '../../kube/apis.js';
import { readControllerState } from '../../lab/record.js';
import { isAlive } from '../../lab/processes.js';
import { desired } from './apply-helpers.js';
import { finish, serviceIps, waitForStep, type Finished } from './fix-helpers.js';
import {
  createLoadBalancer,
  createNamespace,
  createPool,
  createL2Advertisement,
  deleteAllMetallbConfig,
  eventually,
  lab,
  labClients,
  removeNamespace,
  stopProcess,
  temporalClient,
  uniqueName,
  waitForIp,
} from './helpers.js';
import {
  applyAsAdmin,
  auditedCallsSince,
  auditMark,
  callsOurRulesDecide,
  deleteAsAdmin,
  deployDir,
  identityEnv,
  workerCommandLine,
  renderKustomization,
  runAs,
  serviceAccountIdentity,
  startWorkerCommand,
  type ChildWorker,
  type Identity,
} from './least-privilege.js';

const readOnly = renderKustomization(path.join(deployDir, 'overlays/read-only'));
const full = renderKustomization(path.join(deployDir, 'overlays/full'));
const writeOnly = full.filter((object) => !readOnly.some((other) => sameObject(object, other)));
const ns = uniqueName('lp');
const cluster = uniqueName('lp-cluster');

function sameObject(a: KubernetesObject, b: KubernetesObject): boolean {
  return a.kind === b.kind && a.metadata?.name === b.metadata?.name && a.metadata?.namespace === b.metadata?.namespace;
}

let client: Client;
let connection: Connection;
let identity: Identity;

/** Where in the audit log each run's calls start, to tell which runbook needs which rule. */
const runStarts: { label: string; mark: number }[] = [];

async function runChange(runbook: ChangeName, input: Record<string, unknown>, name: string): Promise<Finished> {
  runStarts.push({ label: 'mode' in input ? `${runbook} ${String(input.mode)}` : runbook, mark: auditMark() });
  const started = await startRunbook(client, { runbook, input: { cluster, requestedBy: 'lp-test', ...input } });
  return finish(client.workflow.getHandle(started.workflowId, started.firstExecutionRunId), name);
}

/** For each grant, the runs whose calls it allowed (a run's calls: from its start to the next run's). */
function runsNeeding(grants: readonly Grant[], from: number): Map<string, Set<string>> {
  const needs = new Map(grants.map((grant) => [describeGrant(grant), new Set<string>()]));
  const runs = runStarts.filter((run) => run.mark >= from);
  runs.forEach((run, index) => {
    const calls = callsOurRulesDecide(auditedCallsSince(run.mark, identity.user)).map((entry) => entry.call);
    const own = index + 1 < runs.length ? calls.slice(0, countUntil(run.mark, runs[index + 1]!.mark)) : calls;
    for (const grant of grants)
      if (own.some((call) => allows(grant, call))) needs.get(describeGrant(grant))!.add(run.label);
  });
  return needs;
}

/** How many of our calls lie between two marks of the log. */
function countUntil(from: number, to: number): number {
  return (
    callsOurRulesDecide(auditedCallsSince(from, identity.user)).length -
    callsOurRulesDecide(auditedCallsSince(to, identity.user)).length
  );
}

/** Runs a change through the worker; fails the test with the run's own failure line. */
async function expectChangePasses(runbook: ChangeName, input: Record<string, unknown> = {}): Promise<Finished> {
  const run = await runChange(runbook, input, `lp-${runbook}`);
  expect(run.failure, `${runbook}: ${run.failure}`).toBeUndefined();
  return run;
}

beforeAll(async () => {
  await deleteAllMetallbConfig();
  await createNamespace(ns);
  await createPool('lp-pool', ['192.0.2.64/28']);
  await createL2Advertisement('lp-l2', ['lp-pool']);
  for (const name of ['web', 'api']) {
    await createLoadBalancer(ns, name);
    await waitForIp(ns, name);
  }
  ({ client, connection } = await temporalClient());
  await deleteAsAdmin(writeOnly);
  await applyAsAdmin(readOnly);
  identity = await serviceAccountIdentity('metallb-runbooks', 'metallb-runbooks', cluster);
});

afterAll(async () => {
  await client.workflow
    .getHandle(changeWorkflowId(cluster))
    .terminate('test ended')
    .catch(() => undefined);
  await connection?.close();
  await removeNamespace(ns);
  await deleteAllMetallbConfig();
});

describe('the Deployment', () => {
  it('is admitted in a namespace enforcing the restricted Pod Security Standard: its pod is created', async () => {
    const apps = labClients().kc.makeApiClient(AppsV1Api);
    await eventually(
      'the worker Deployment to have its pod',
      async () => {
        const deployment = await apps.readNamespacedDeployment({
          namespace: 'metallb-runbooks',
          name: 'metallb-runbooks-worker',
        });
        return (deployment.status?.replicas ?? 0) >= 1 ? true : undefined;
      },
      { timeoutMs: 60_000 },
    );
    const container = (
      await apps.readNamespacedDeployment({ namespace: 'metallb-runbooks', name: 'metallb-runbooks-worker' })
    ).spec!.template.spec!.containers[0]!;
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    expect(container.resources?.requests).toMatchObject({ cpu: '50m', memory: '256Mi' });
  });
});

const CONFIG_KINDS = 6;

/** Runs the overlay's worker until the API server has audited its watch of every MetalLB config kind. */
async function watchedConfigUnder(overlay: readonly KubernetesObject[], mark: number): Promise<void> {
  const worker = await startWorkerCommand(workerCommandLine(overlay, cluster), identityEnv(identity));
  try {
    await eventually('the worker to watch the six MetalLB config kinds', () => {
      const watches = auditedCallsSince(mark, identity.user).filter((entry) => entry.call.verb === 'watch');
      return new Set(watches.map((entry) => entry.call.resource)).size >= CONFIG_KINDS ? true : undefined;
    });
  } finally {
    await worker.stop();
  }
}

describe('the read-only overlay', () => {
  it('diagnoses and plans with its token, and every call it makes is one of its rules', async () => {
    const mark = auditMark();
    const diagnosis = runAs(['diagnose', '-o', 'json'], identityEnv(identity));
    expect(diagnosis.stderrLines, diagnosis.stdout).toEqual([]);
    expect([0, 1]).toContain(diagnosis.status);
    const desiredDir = mkdtempSync(path.join(os.tmpdir(), 'lp-desired-'));
    const widened = { apiVersion: 'metallb.io/v1beta1', kind: 'IPAddressPool', metadata: { name: 'lp-pool' } };
    writeFileSync(
      path.join(desiredDir, 'pools.yaml'),
      stringify({
        ...widened,
        metadata: { ...widened.metadata, namespace: 'metallb-system' },
        spec: { addresses: ['192.0.2.64/27'] },
      }),
    );
    const plan = runAs(['plan', '-f', desiredDir], identityEnv(identity));
    expect(plan.stderrLines).toEqual([]);
    expect(plan.status, plan.stdout).toBe(0);
    await watchedConfigUnder(readOnly, mark);
    const audited = callsOurRulesDecide(auditedCallsSince(mark, identity.user));
    expect(audited.filter((entry) => !entry.allowed).map((entry) => describeCall(entry.call))).toEqual([]);
    const result = coverage(distinctCalls(audited.map((entry) => entry.call)), grantsOf(readOnly));
    console.log(
      `[rbac] read-only calls:\n${distinctCalls(audited.map((e) => e.call))
        .map(describeCall)
        .join('\n')}`,
    );
    expect(result.uncovered.map(describeCall)).toEqual([]);
    expect(result.unused.map(describeGrant)).toEqual([]);
    expect(result.redundant.map(describeGrant)).toEqual([]);
  });

  it('kubectl auth can-i --list for its token shows exactly the declared rules', () => {
    expect(canIList(identity, 'metallb-system')).toEqual(declaredEntries(readOnly));
  });

  it('a runbook under it is refused at its first write, with the API server 403 on one line', async () => {
    const worker = await startWorkerCommand(workerCommandLine(readOnly, cluster), identityEnv(identity));
    try {
      const run = await runChange('restart-controller', {}, 'lp-read-only-refused');
      expect(run.failure).toMatch(/forbidden|403/i);
      expect(run.failure).toContain('deployments');
      expect(run.failure!.split('\n')).toHaveLength(1);
    } finally {
      await worker.stop();
    }
  });

  it('a call outside the rules (another namespace as MetalLB namespace) is one line, exit 2', () => {
    const result = runAs(['diagnose', '--metallb-namespace', 'kube-system'], identityEnv(identity));
    expect(result.status).toBe(2);
    expect(result.stderrLines).toHaveLength(1);
    expect(result.stderrLines[0]).toMatch(/forbidden/i);
  });
});

describe('the full overlay', () => {
  let worker: ChildWorker;
  let mark: number;

  beforeAll(async () => {
    await applyAsAdmin(full);
    await markCrdStoredVersionsOld();
    mark = auditMark();
    worker = await startWorkerCommand(workerCommandLine(full, cluster), identityEnv(identity));
  });
  afterAll(async () => {
    await worker?.stop();
    await deleteAsAdmin(writeOnly);
  });

  it('runs restart-controller and restart-speakers', async () => {
    await expectChangePasses('restart-controller');
    await expectChangePasses('restart-speakers');
  });

  it('runs reapply-config in place (trims a storedVersion) and --recreate (stashes an inline password)', async () => {
    await createEveryKind();
    await expectChangePasses('reapply-config', { mode: 'in-place' });
    await expectChangePasses('reapply-config', { mode: 'recreate' });
    // A BFDProfile is invalid under native BGP, which plan (and so apply) refuses: rewritten and re-created, then gone.
    await labClients().custom.deleteNamespacedCustomObject({
      group: 'metallb.io',
      version: 'v1beta1',
      namespace: lab().namespace,
      plural: 'bfdprofiles',
      name: 'lp-bfdprofile',
    });
  });

  it('runs cleanup-orphans: a request no pool holds released, an ingress IP outside every pool cleared', async () => {
    await createLoadBalancer(ns, 'asks-away', {
      spec: { type: 'LoadBalancer', loadBalancerIP: '198.51.100.7', ports: [{ port: 80, protocol: 'TCP' }] },
    });
    await expectChangePasses('cleanup-orphans', { services: [] });
    expect(
      (await labClients().core.readNamespacedService({ namespace: ns, name: 'asks-away' })).spec?.loadBalancerIP,
    ).toBeUndefined();
    await cleanupHungIngress();
  });

  it('runs an apply that widens the pool', async () => {
    const pool = desired('IPAddressPool', 'lp-pool', { addresses: ['192.0.2.64/27'] });
    await expectChangePasses('apply', { desired: [pool], prune: null, allowIpChanges: false, approval: null });
  });

  it('kubectl auth can-i --list for its token shows exactly the declared rules', () => {
    expect(canIList(identity, 'metallb-system')).toEqual(declaredEntries(full));
  });

  it('the audit log of all of it equals the rules: nothing refused, every call allowed, every rule used', () => {
    const audited = callsOurRulesDecide(auditedCallsSince(mark, identity.user));
    const calls = distinctCalls(audited.map((entry) => entry.call));
    console.log(`[rbac] worker calls:\n${calls.map(describeCall).join('\n')}`);
    expect(audited.filter((entry) => !entry.allowed).map((entry) => describeCall(entry.call))).toEqual([]);
    const result = coverage(calls, grantsOf(full));
    expect(result.uncovered.map(describeCall)).toEqual([]);
    expect(result.unused.map(describeGrant)).toEqual([]);
    // The base's namespaced list of BGPPeers stays: the read-only overlay has no cluster-wide one.
    const added = new Set(grantsOf(writeOnly).map(describeGrant));
    expect(result.redundant.map(describeGrant).filter((grant) => added.has(grant))).toEqual([]);
    // Each rule the full overlay adds, with the runs that needed it: take it away and those fail with a 403.
    const needs = runsNeeding(grantsOf(writeOnly), mark);
    const lines = [...needs].map(([grant, runs]) => `${grant} <- ${[...runs].join(', ')}`);
    console.log(`[rbac] rule -> runs that need it:\n${lines.join('\n')}`);
    expect([...needs].filter(([, runs]) => runs.size === 0).map(([grant]) => grant)).toEqual([]);
  });
});

/** Rules every authenticated identity has (system:basic-user), left out of the comparison. */
const defaultResources = /^selfsubject\w+\.(authentication|authorization)\.k8s\.io$/;

/** `kubectl auth can-i --list` as the identity (a SelfSubjectRulesReview), one `verb resource [name]` per entry. */
function canIList(who: Identity, namespace: string): string[] {
  const result = spawnSync('kubectl', ['--kubeconfig', who.kubeconfig, 'auth', 'can-i', '--list', '-n', namespace], {
    encoding: 'utf8',
  });
  expect(result.status, result.stderr).toBe(0);
  const entries = result.stdout
    .split('\n')
    .slice(1)
    .filter((row) => /^\S/.test(row))
    .flatMap((row) => {
      const resource = row.split(/\s+/)[0]!;
      const [, names = '', verbs = ''] = [...row.matchAll(/\[([^\]]*)\]/g)].map((match) => match[1]);
      if (defaultResources.test(resource)) return [];
      const suffixes = names ? names.split(/\s+/).map((name) => ` [${name}]`) : [''];
      return verbs.split(/\s+/).flatMap((verb) => suffixes.map((suffix) => `${verb} ${resource}${suffix}`));
    });
  return [...new Set(entries)].sort();
}

/** The same entries as kubectl prints them, from the declared rules (all of which apply in MetalLB's namespace). */
function declaredEntries(objects: readonly KubernetesObject[]): string[] {
  const entries = grantsOf(objects).flatMap((grant) => {
    const [resource, subresource] = grant.resource.split('/');
    const named = `${grant.group ? `${resource}.${grant.group}` : resource}${subresource ? `/${subresource}` : ''}`;
    const suffixes = grant.resourceNames.length ? grant.resourceNames.map((name) => ` [${name}]`) : [''];
    return suffixes.map((suffix) => `${grant.verb} ${named}${suffix}`);
  });
  return [...new Set(entries)].sort();
}

/** An upgraded cluster's CRD lists a version no object is stored at any more; reapply-config trims it. */
async function markCrdStoredVersionsOld(): Promise<void> {
  const extensions = labClients().kc.makeApiClient(ApiextensionsV1Api);
  const name = 'bgppeers.metallb.io';
  const crd = await extensions.readCustomResourceDefinitionStatus({ name });
  crd.status = { ...crd.status!, storedVersions: ['v1beta1', 'v1beta2'] };
  await extensions.replaceCustomResourceDefinitionStatus({ name, body: crd });
}

/** Every MetalLB config kind, so the runbooks read, rewrite, delete and create each; a peer with an inline password. */
async function createEveryKind(): Promise<void> {
  const { custom, namespace } = labClients();
  const plurals: Record<string, string> = { Community: 'communities' };
  const create = (kind: string, version: string, spec: Record<string, unknown>) =>
    custom.createNamespacedCustomObject({
      group: 'metallb.io',
      version,
      namespace,
      plural: plurals[kind] ?? `${kind.toLowerCase()}s`,
      body: { apiVersion: `metallb.io/${version}`, kind, metadata: { name: `lp-${kind.toLowerCase()}` }, spec },
    });
  await create('Community', 'v1beta1', { communities: [{ name: 'no-export', value: '65535:65281' }] });
  await create('BFDProfile', 'v1beta1', { receiveInterval: 300, transmitInterval: 300 });
  await create('BGPPeer', 'v1beta2', {
    myASN: 64512,
    peerASN: 64513,
    peerAddress: '192.0.2.254',
    password: 'lp-inline-secret',
  });
  await create('BGPAdvertisement', 'v1beta1', { ipAddressPools: ['lp-pool'], communities: ['no-export'] });
}

/** The controller hung, a Service's ingress rewritten outside every pool: cleanup-orphans clears it via status. */
async function cleanupHungIngress(): Promise<void> {
  const controller = readControllerState(lab().stateDir)!;
  await stopProcess(controller.pid!);
  try {
    await labClients().core.patchNamespacedServiceStatus(
      { namespace: ns, name: 'web', body: { status: { loadBalancer: { ingress: [{ ip: '203.0.113.77' }] } } } },
      mergePatch,
    );
    const started = await startRunbook(client, {
      runbook: 'cleanup-orphans',
      input: { cluster, requestedBy: 'lp-test', services: [`${ns}/web`] } as CleanupOrphansInput,
    });
    const handle = client.workflow.getHandle(started.workflowId, started.firstExecutionRunId);
    await waitForStep(handle, 'clear-ingress', 'done');
    process.kill(controller.pid!, 'SIGCONT');
    const run = await finish(handle, 'lp-cleanup-hung');
    expect(run.failure).toBeUndefined();
    expect(await serviceIps(ns, 'web')).not.toEqual(['203.0.113.77']);
  } finally {
    if (isAlive(controller.pid!)) process.kill(controller.pid!, 'SIGCONT');
  }
}
