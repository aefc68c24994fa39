import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Client } from '@temporalio/client';
import { isAlive } from '../../lab/processes.js';
import { readControllerState } from '../../lab/record.js';
import { runDiagnose } from '../../client/commands/diagnose.js';
import { runExplain } from '../../client/commands/explain-run.js';
import type { ServiceExplanation, PoolExplanation } from '../../domain/diagnose/explain.js';
import type { DiagnosisReport, Finding } from '../../domain/diagnose/report.js';
import { renderHuman } from '../../domain/diagnose/render.js';
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
  setWebhook,
  stopProcess,
  uniqueName,
  waitForIp,
  withWebhookOff,
} from './helpers.js';
import { deleteMetallbObject, diagnoseLab, mergePatch, patchPool } from './diagnose-helpers.js';
import {
  closeRunbookSession,
  finish,
  openRunbookSession,
  start,
  waitForStep,
  type RunbookSession,
} from './fix-helpers.js';

/**
 * Root causes on the lab (real API server, real MetalLB v0.16.1 controller and webhook): each scenario drives
 * the lab into one problem with consequences, checks that every consequence is grouped under that one root
 * cause, runs the fix the report names, and checks the whole group is gone.
 */

const metallb = { group: 'metallb.io', version: 'v1beta1', namespace: 'metallb-system' };

/** Findings at warning or above that are root causes, by id. */
const rootIds = (report: DiagnosisReport) =>
  report.findings.filter((f) => f.causedBy === null && f.severity !== 'info').map((f) => f.id);
const groupOf = (report: DiagnosisReport, root: Finding) => report.findings.filter((f) => f.causedBy === root.key);
const only = (report: DiagnosisReport, id: string): Finding => {
  const found = report.findings.filter((f) => f.id === id);
  expect(
    found.map((f) => f.title),
    id,
  ).toHaveLength(1);
  return found[0]!;
};
const explainLab = async (target: string) =>
  (await runExplain(target, { kubeconfig: lab().kubeconfig, since: '10m', output: 'json' })).explanation;

// The lab's speakers are not real speakers: they write no ServiceL2Status. These tests write them as a real
// speaker does (metallb.io/v1beta1, status subresource: node, serviceName, serviceNamespace, interfaces).
async function writeL2StatusAsSpeaker(name: string, service: { namespace: string; name: string }, node: string) {
  const { custom } = labClients();
  await custom.createNamespacedCustomObject({
    ...metallb,
    plural: 'servicel2statuses',
    body: {
      apiVersion: 'metallb.io/v1beta1',
      kind: 'ServiceL2Status',
      metadata: {
        name,
        labels: {
          'metallb.io/node': node,
          'metallb.io/service-name': service.name,
          'metallb.io/service-namespace': service.namespace,
        },
      },
      spec: {},
    },
  });
  const status = {
    node,
    serviceName: service.name,
    serviceNamespace: service.namespace,
    interfaces: [{ name: 'eth0' }],
  };
  await custom.patchNamespacedCustomObjectStatus(
    { ...metallb, plural: 'servicel2statuses', name, body: { status } },
    mergePatch,
  );
}

async function deleteL2Statuses(): Promise<void> {
  const { custom } = labClients();
  const list = (await custom.listNamespacedCustomObject({ ...metallb, plural: 'servicel2statuses' })) as {
    items: { metadata: { name: string } }[];
  };
  for (const item of list.items)
    await custom.deleteNamespacedCustomObject({ ...metallb, plural: 'servicel2statuses', name: item.metadata.name });
}

async function controllerInvalid(): Promise<void> {
  await eventually('ConfigurationState controller to turn Invalid', async () => {
    const state = (await labClients().custom.getNamespacedCustomObject({
      ...metallb,
      plural: 'configurationstates',
      name: 'controller',
    })) as { status?: { result?: string } };
    return state.status?.result === 'Invalid' ? state : undefined;
  });
}

describe('diagnose root causes on the lab', () => {
  let ns: string;
  let started: number;
  let session: RunbookSession;
  let client: Client;

  beforeAll(async () => {
    session = await openRunbookSession();
    client = session.client;
  });
  afterAll(async () => {
    await closeRunbookSession(session);
  });
  beforeEach(async () => {
    started = Date.now();
    await deleteAllMetallbConfig();
    ns = uniqueName('rc');
    await createNamespace(ns);
  });
  afterEach(async () => {
    await deleteL2Statuses();
    await deleteAllMetallbConfig();
    await removeNamespace(ns);
  });

  it('an overlap made with the webhook off groups every consequence; deleting the pool it names clears them', () =>
    withWebhookOff(async () => {
      const first = uniqueName('a-first');
      await createPool(first, ['192.0.2.0/28']);
      await createL2Advertisement(uniqueName('l2'), []);
      await createLoadBalancer(ns, 'web');
      await waitForIp(ns, 'web');
      const second = uniqueName('b-overlap');
      await createPool(second, ['192.0.2.8/29']);
      await controllerInvalid();
      // While the controller keeps its old config: widen the first pool and ask for an address only the widening adds.
      await patchPool(first, { addresses: ['192.0.2.0/27'] });
      await createLoadBalancer(ns, 'late', {
        spec: { type: 'LoadBalancer', loadBalancerIP: '192.0.2.20', ports: [{ port: 80, protocol: 'TCP' }] },
      });
      const report = await eventually(
        'the overlapping pool to count as never loaded',
        async () => {
          const r = await diagnoseLab(started);
          const pending = r.findings.some((f) => f.id === 'service-pending');
          return r.findings.some((f) => f.id === 'pool-not-loaded') && pending ? r : undefined;
        },
        { timeoutMs: 40_000, intervalMs: 2_000 },
      );
      const overlap = only(report, 'pool-overlap');
      expect(rootIds(report)).toEqual(['pool-overlap']);
      const grouped = groupOf(report, overlap).map((f) => f.id);
      expect(new Set(grouped)).toEqual(
        new Set([
          'configuration-state-invalid',
          // The controller's log line for late's request, which only the widened (unloaded) pool meets.
          'controller-allocation-failed',
          'controller-config-parse-error',
          'pool-not-loaded',
          'pool-status-mismatch',
          'service-pending',
        ]),
      );
      expect(report.findings.filter((f) => f.severity !== 'info' && f.causedBy === null)).toEqual([overlap]);
      const headline = `overlapping pools ${first} and ${second}`;
      expect(report.summary.rootCauses).toEqual([
        { key: overlap.key, headline, severity: 'error', consequences: grouped.length },
      ]);
      expect(renderHuman(report, { color: false }).split('\n')[1]).toBe(
        `1 problem (${headline}) causing ${grouped.length} findings`,
      );
      expect(overlap.fix?.command).toBe(`kubectl -n metallb-system delete ipaddresspool ${second}`);

      // The fix, as named: delete the pool the controller never loaded.
      const fixedAt = Date.now();
      await deleteMetallbObject('ipaddresspools', second);
      await waitForIp(ns, 'late', 30_000);
      const after = await eventually(
        'the whole group to clear',
        async () => {
          const r = await diagnoseLab(fixedAt);
          return r.findings.every((f) => f.severity === 'info') ? r : undefined;
        },
        { timeoutMs: 40_000, intervalMs: 2_000 },
      );
      expect(after.summary.rootCauses).toEqual([]);
    }));

  it('a SIGSTOPped controller groups an unprocessed pool and a pending Service; restart clears them', async () => {
    const pool = uniqueName('pool');
    await createPool(pool, ['192.0.2.32/28']);
    await createL2Advertisement(uniqueName('l2'), []);
    await createLoadBalancer(ns, 'web');
    await waitForIp(ns, 'web');
    const controller = readControllerState(lab().stateDir)!;
    // The webhook is served by the controller: off while it is stopped, or the API server waits on it.
    await setWebhook(false);
    await stopProcess(controller.pid!);
    try {
      const late = uniqueName('late-pool');
      await createPool(late, ['198.51.100.32/28']);
      await createLoadBalancer(ns, 'waiting');
      const report = await eventually(
        'the unprocessed changes to outlast the grace period',
        async () => {
          const r = await diagnoseLab(started);
          return r.findings.some((f) => f.id === 'controller-not-processing') ? r : undefined;
        },
        { timeoutMs: 40_000, intervalMs: 2_000 },
      );
      const root = only(report, 'controller-not-processing');
      expect(rootIds(report)).toEqual(['controller-not-processing']);
      expect(
        groupOf(report, root)
          .map((f) => `${f.id} ${f.objects[0]!.name}`)
          .sort(),
      ).toEqual([`pool-not-loaded ${late}`, 'service-pending waiting']);
      expect(root.fix?.command).toBe('metallb-runbooks fix restart-controller');

      // explain on the pending Service: the chain from the hung controller to it.
      const pending = (await explainLab(`svc/${ns}/waiting`)) as ServiceExplanation;
      expect(pending.state).toBe('pending');
      expect(pending.ips).toEqual([]);
      expect(pending.events).toEqual([]);
      expect(pending.poolSelection.by).toBe('auto-assign');
      expect(pending.poolSelection.candidates.map((c) => [c.pool, c.allowed]).sort()).toEqual(
        [
          [pool, true],
          [late, true],
        ].sort(),
      );
      expect(pending.rootCause!.chain.map((f) => f.id)).toEqual(['controller-not-processing', 'service-pending']);
      expect(pending.rootCause!.fix!.command).toBe('metallb-runbooks fix restart-controller');

      // The fix, run as the report names it: the restart-controller workflow through a worker.
      const run = await finish(await start(client, 'restart-controller'), 'root-cause-restart-controller');
      expect(run.failure).toBeUndefined();
      await waitForIp(ns, 'waiting', 30_000);
      const after = await eventually(
        'the group to clear',
        async () => {
          const r = await diagnoseLab(Date.now() - 1_000);
          return r.findings.every((f) => f.severity === 'info') ? r : undefined;
        },
        { timeoutMs: 40_000, intervalMs: 2_000 },
      );
      expect(after.summary.rootCauses).toEqual([]);
    } finally {
      if (isAlive(controller.pid!)) process.kill(controller.pid!, 'SIGCONT');
      await setWebhook(true);
    }
  });

  it('a deleted pool groups its orphans; explain names the chain; the cleanup-orphans run clears them', async () => {
    const doomed = uniqueName('doomed');
    await createPool(doomed, ['198.51.100.64/28']);
    await createL2Advertisement(uniqueName('l2'), []);
    for (const name of ['a', 'b']) await createLoadBalancer(ns, name);
    const [aIp] = await waitForIp(ns, 'a');
    await waitForIp(ns, 'b');
    const keep = uniqueName('keep');
    await createPool(keep, ['192.0.2.48/28']);
    const controller = readControllerState(lab().stateDir)!;
    await setWebhook(false);
    await stopProcess(controller.pid!);
    try {
      await deleteMetallbObject('ipaddresspools', doomed);
      const report = await diagnoseLab(started);
      const root = only(report, 'pool-deleted');
      expect(rootIds(report)).toEqual(['pool-deleted']);
      expect(groupOf(report, root).map((f) => `${f.id} ${serviceName(f)}`)).toEqual(['orphaned-ip a', 'orphaned-ip b']);
      expect(root.fix!.command).toBe(`metallb-runbooks fix cleanup-orphans --service ${ns}/a --service ${ns}/b`);

      const orphan = (await explainLab(`svc/${ns}/a`)) as ServiceExplanation;
      expect(orphan.state).toBe('orphaned');
      expect(orphan.ips).toEqual([{ ip: aIp, pool: null }]);
      expect(orphan.annotations).toEqual({ 'metallb.io/ip-allocated-from-pool': doomed });
      expect(orphan.rootCause!.chain.map((f) => f.id)).toEqual(['pool-deleted', 'orphaned-ip']);
      expect(orphan.rootCause!.fix!.command).toBe(root.fix!.command);

      const services = [...root.fix!.command.matchAll(/--service (\S+)/g)].map((m) => m[1]!);
      const handle = await start(client, 'cleanup-orphans', { services });
      await waitForStep(handle, 'clear-ingress', 'done');
      process.kill(controller.pid!, 'SIGCONT');
      const run = await finish(handle, 'root-cause-deleted-pool');
      expect(run.failure).toBeUndefined();
      for (const name of ['a', 'b']) expect((await waitForIp(ns, name))[0]).toMatch(/^192\.0\.2\./);
      const after = await diagnoseLab(Date.now() - 1_000);
      expect(after.findings.filter((f) => f.severity !== 'info')).toEqual([]);
    } finally {
      if (isAlive(controller.pid!)) process.kill(controller.pid!, 'SIGCONT');
      await setWebhook(true);
    }
  });

  it('explain a healthy and an unannounced Service (ServiceL2Status written as a real speaker would)', async () => {
    const pool = uniqueName('pool');
    await createPool(pool, ['192.0.2.64/28']);
    const l2 = uniqueName('l2');
    await createL2Advertisement(l2, [pool]);
    await createLoadBalancer(ns, 'lit');
    await createLoadBalancer(ns, 'dark');
    const [litIp] = await waitForIp(ns, 'lit');
    await waitForIp(ns, 'dark');
    await writeL2StatusAsSpeaker(uniqueName('l2-lit'), { namespace: ns, name: 'lit' }, 'kwok-node-1');

    const healthy = (await explainLab(`svc/${ns}/lit`)) as ServiceExplanation;
    expect(healthy.state).toBe('healthy');
    expect(healthy.served).toEqual({ byMetallb: true, loadBalancerClass: null, controllerLbClass: null });
    expect(healthy.request).toEqual({ loadBalancerIP: null, loadBalancerIPs: null, addressPool: null });
    expect(healthy.poolSelection).toEqual({
      by: 'auto-assign',
      candidates: [{ pool, priority: null, autoAssign: true, allowed: true }],
    });
    expect(healthy.ips).toEqual([{ ip: litIp, pool }]);
    expect(healthy.annotations).toEqual({ 'metallb.io/ip-allocated-from-pool': pool });
    expect(healthy.events.map((e) => e.reason)).toContain('IPAllocated');
    expect(healthy.announcement).toEqual([
      {
        pool,
        advertisements: [{ kind: 'L2Advertisement', name: l2, nodes: ['kwok-node-0', 'kwok-node-1', 'kwok-node-2'] }],
        announcedBy: [{ mode: 'L2', node: 'kwok-node-1', via: ['eth0'] }],
      },
    ]);
    expect(healthy.rootCause).toBeNull();

    const dark = (await explainLab(`svc/${ns}/dark`)) as ServiceExplanation;
    expect(dark.state).toBe('unannounced');
    expect(dark.announcement[0]!.announcedBy).toEqual([]);
    expect(dark.rootCause).toMatchObject({
      id: 'service-not-announced',
      fix: { command: 'metallb-runbooks fix restart-speakers' },
    });
    const report = await diagnoseLab(started);
    expect(report.announcement).toMatchObject({
      serviceL2Status: 'reliable',
      serviceBGPStatus: 'available',
      l2Statuses: 1,
    });
    expect(report.findings.filter((f) => f.severity !== 'info').map((f) => `${f.id} ${serviceName(f)}`)).toEqual([
      'service-not-announced dark',
    ]);

    const poolView = (await explainLab(`pool/${pool}`)) as PoolExplanation;
    expect(poolView.loaded).toBe('yes');
    expect(poolView.services.map((s) => s.service).sort()).toEqual([`${ns}/dark`, `${ns}/lit`]);
    expect(poolView.advertisements.map((a) => a.name)).toEqual([l2]);
    expect(poolView.capacity.map((r) => [r.capacity, r.used])).toEqual([['16', '2']]);
  });

  it('with overlapping pools an IP belongs to the pool it was allocated from (the issue: not extra-pool)', () =>
    withWebhookOff(async () => {
      const demoPool = uniqueName('demo-pool');
      await createPool(demoPool, ['203.0.113.0/28']);
      await createL2Advertisement(uniqueName('l2'), []);
      await createLoadBalancer(ns, 'demo');
      const [ip] = await waitForIp(ns, 'demo');
      const extra = uniqueName('extra-pool');
      await createPool(extra, ['203.0.113.0/24'], { serviceAllocation: { namespaces: ['someone-else'] } });
      await controllerInvalid();
      const report = await diagnoseLab(started);
      expect(report.findings.filter((f) => serviceName(f) === 'demo')).toEqual([]);
      expect(report.findings.filter((f) => f.id === 'orphaned-ip')).toEqual([]);
      const demo = (await explainLab(`svc/${ns}/demo`)) as ServiceExplanation;
      expect(demo.ips).toEqual([{ ip, pool: demoPool }]);
      expect(demo.annotations['metallb.io/ip-allocated-from-pool']).toBe(demoPool);
      expect(report.capacity.find((r) => r.pool === demoPool)!.used).toBe('1');
      expect(report.capacity.find((r) => r.pool === extra)!.used).toBe('0');
    }));

  it('offline (--from-file) gives the same root causes as live', () =>
    withWebhookOff(async () => {
      const first = uniqueName('a-first');
      await createPool(first, ['192.0.2.80/28']);
      await createL2Advertisement(uniqueName('l2'), []);
      await createLoadBalancer(ns, 'web');
      await waitForIp(ns, 'web');
      const second = uniqueName('b-overlap');
      await createPool(second, ['192.0.2.80/29']);
      await controllerInvalid();
      await eventually(
        'the overlapping pool to count as never loaded',
        async () => ((await diagnoseLab(started)).findings.some((f) => f.id === 'pool-not-loaded') ? true : undefined),
        { timeoutMs: 40_000, intervalMs: 2_000 },
      );
      const live = await diagnoseLab(started, { namespace: ns });
      const dump = await dumpLab(ns);
      const { report: offline } = await runDiagnose({ fromFile: [dump], since: '1h', output: 'json', failOn: 'error' });
      const roots = (r: DiagnosisReport) =>
        r.summary.rootCauses.map(({ key, headline, severity }) => [key, headline, severity]);
      const links = (r: DiagnosisReport) =>
        r.findings
          .filter((f) => f.check !== 'component-errors' && f.severity !== 'info')
          .map((f) => `${f.key} <- ${f.causedBy ?? '(root)'}`)
          .sort();
      expect(roots(offline)).toEqual(roots(live));
      expect(links(offline)).toEqual(links(live));
    }));
});

const serviceName = (f: Finding): string => f.objects.find((o) => o.kind === 'Service')?.name ?? '-';

/** `kubectl get` of what diagnose reads, as one JSON List file (the offline input). */
async function dumpLab(ns: string): Promise<string> {
  const { core, apps, custom } = labClients();
  const { writeFileSync, mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const path = await import('node:path');
  const items: unknown[] = [];
  const push = (list: { items: object[] }, apiVersion: string, kind: string) =>
    items.push(...list.items.map((item) => ({ ...item, apiVersion, kind })));
  push(await core.listNamespacedService({ namespace: ns }), 'v1', 'Service');
  push(await core.listNamespacedEvent({ namespace: ns }), 'v1', 'Event');
  push(await core.listNode(), 'v1', 'Node');
  push(await core.listNamespace(), 'v1', 'Namespace');
  push(await apps.listNamespacedDeployment({ namespace: 'metallb-system' }), 'apps/v1', 'Deployment');
  push(await apps.listNamespacedDaemonSet({ namespace: 'metallb-system' }), 'apps/v1', 'DaemonSet');
  push(await core.listNamespacedPod({ namespace: 'metallb-system' }), 'v1', 'Pod');
  for (const [plural, kind] of [
    ['ipaddresspools', 'IPAddressPool'],
    ['l2advertisements', 'L2Advertisement'],
    ['configurationstates', 'ConfigurationState'],
    ['servicel2statuses', 'ServiceL2Status'],
  ] as const) {
    const list = (await custom.listNamespacedCustomObject({ ...metallb, plural })) as { items: object[] };
    push(list, 'metallb.io/v1beta1', kind);
  }
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'rc-dump-')), 'dump.json');
  writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items }));
  return file;
}
