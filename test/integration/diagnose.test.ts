import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createL2Advertisement,
  createLoadBalancer,
  createNamespace,
  createPool,
  deleteAllMetallbConfig,
  eventually,
  ingressIps,
  labClients,
  removeNamespace,
  serviceEvents,
  uniqueName,
  waitForIp,
  withWebhookOff,
} from './helpers.js';
import {
  createMetallbObject,
  deleteMetallbObject,
  diagnoseLab,
  findingsWithId,
  mergePatch,
  patchPool,
  problems,
  scaleController,
} from './diagnose-helpers.js';
import { DiagnosisReportSchema } from '../../domain/diagnose/report.js';

/**
 * Each scenario drives the lab (real API server, real MetalLB v0.16.1 controller) into one kind
 * of drift and checks that the report names exactly that drift, and nothing else.
 */
describe('diagnose on the lab', () => {
  let ns: string;
  let started: number;

  beforeEach(async () => {
    started = Date.now();
    await deleteAllMetallbConfig();
    ns = uniqueName('diag');
    await createNamespace(ns);
  });
  afterEach(async () => {
    await deleteAllMetallbConfig();
    // The next scenario must not see this one's Services (or the controller's retries for them).
    await removeNamespace(ns);
  });

  async function healthyPool(pool = uniqueName('pool'), addresses = ['192.0.2.0/28']) {
    await createPool(pool, addresses);
    await createL2Advertisement(uniqueName('l2'), [pool]);
    return pool;
  }

  it('reports nothing wrong on a healthy lab', async () => {
    await healthyPool();
    await createLoadBalancer(ns, 'web');
    await createLoadBalancer(ns, 'api');
    await waitForIp(ns, 'web');
    await waitForIp(ns, 'api');
    const report = await diagnoseLab(started);
    expect(DiagnosisReportSchema.parse(report)).toBeTruthy();
    expect(problems(report)).toEqual([]);
    expect(report.summary.healthy).toBe(true);
    expect(report.cluster.metallbVersion).toBe('v0.16.1');
    expect(report.summary.servicesChecked).toBeGreaterThanOrEqual(2);
  });

  it('1. finds IPs left outside every pool while the controller is down (pool narrowed, pool deleted)', () =>
    withWebhookOff(async () => {
      const narrowed = await healthyPool(uniqueName('narrowed'), ['192.0.2.0/28']);
      const doomed = await healthyPool(uniqueName('doomed'), ['198.51.100.0/28']);
      await createLoadBalancer(ns, 'web', { metadata: { annotations: { 'metallb.io/address-pool': narrowed } } });
      await createLoadBalancer(ns, 'db', { metadata: { annotations: { 'metallb.io/address-pool': doomed } } });
      const [webIp] = await waitForIp(ns, 'web');
      await waitForIp(ns, 'db');
      await scaleController(0);
      try {
        await patchPool(narrowed, { addresses: ['192.0.2.64/28'] });
        await deleteMetallbObject('ipaddresspools', doomed);
        const report = await diagnoseLab(started);
        const orphans = findingsWithId(report, 'orphaned-ip');
        expect(orphans.map((f) => f.objects.find((o) => o.kind === 'Service')?.name).sort()).toEqual(['db', 'web']);
        const web = orphans.find((f) => f.objects.some((o) => o.name === 'web'))!;
        expect(web.title).toContain(webIp);
        expect(web.title).toMatch(/narrowed/);
        expect(web.fix?.command).toBe(`metallb-runbooks fix cleanup-orphans --service ${ns}/web`);
        expect(orphans.find((f) => f.objects.some((o) => o.name === 'db'))!.title).toMatch(/deleted/);
        // db's address-pool annotation and the advertisement of the deleted pool dangle too.
        expect(problems(report)).toEqual([
          'error:address-pool-missing',
          'error:controller-scaled-to-zero',
          'error:orphaned-ip',
          'error:orphaned-ip',
          'error:pool-deleted',
          'warning:advertisement-unknown-pool',
        ]);
        // Grouped: the deleted pool explains db's orphan and every reference to it; the stopped controller, web's.
        const rootOf = (f: (typeof report.findings)[number]) =>
          report.findings.find((r) => r.key === f.causedBy)?.id ?? '(root)';
        const grouping = report.findings
          .filter((f) => f.severity !== 'info')
          .map((f) => `${f.id} ${f.objects[0]!.name} <- ${rootOf(f)}`)
          .sort();
        const advertisement = grouping.find((g) => g.startsWith('advertisement'))!.split(' ')[1];
        expect(grouping).toEqual([
          `address-pool-missing db <- pool-deleted`,
          `advertisement-unknown-pool ${advertisement} <- pool-deleted`,
          'controller-scaled-to-zero controller <- (root)',
          'orphaned-ip db <- pool-deleted',
          'orphaned-ip web <- controller-scaled-to-zero',
          `pool-deleted ${doomed} <- (root)`,
        ]);
      } finally {
        await scaleController(1);
      }
      // v0.16 behaviour: once running again the controller clears and reassigns by itself.
      await eventually('web to get an address inside the narrowed pool', async () => {
        const ips = ingressIps(await labClients().core.readNamespacedService({ namespace: ns, name: 'web' }));
        return ips[0]?.startsWith('192.0.2.') && ips[0] !== webIp ? ips : undefined;
      });
    }));

  it('2. finds requests no pool can meet and stale pool annotations', async () => {
    const pool = await healthyPool();
    await createLoadBalancer(ns, 'outside', {
      spec: { type: 'LoadBalancer', loadBalancerIP: '203.0.113.50', ports: [{ port: 80, protocol: 'TCP' }] },
    });
    await createLoadBalancer(ns, 'both', {
      metadata: { annotations: { 'metallb.io/loadBalancerIPs': '192.0.2.5' } },
      spec: { type: 'LoadBalancer', loadBalancerIP: '192.0.2.6', ports: [{ port: 80, protocol: 'TCP' }] },
    });
    await createLoadBalancer(ns, 'ghost-pool', {
      metadata: { annotations: { 'metallb.io/address-pool': 'no-such-pool' } },
    });
    await createLoadBalancer(ns, 'stale', {
      metadata: { annotations: { 'metallb.universe.tf/ip-allocated-from-pool': 'deleted-long-ago' } },
    });
    await waitForIp(ns, 'stale');
    await eventually('AllocationFailed on outside', async () =>
      (await serviceEvents(ns, 'outside')).some((e) => e.reason === 'AllocationFailed') ? true : undefined,
    );
    const report = await diagnoseLab(started);
    const byService = (name: string) =>
      report.findings
        .filter((f) => f.objects.some((o) => o.kind === 'Service' && o.name === name))
        .map((f) => f.id)
        .sort();
    expect(byService('outside')).toContain('requested-ip-outside-pools');
    expect(byService('both')).toContain('requested-ip-both-fields');
    expect(byService('ghost-pool')).toContain('address-pool-missing');
    expect(byService('stale')).toContain('deprecated-pool-annotation-stale');
    expect(report.findings.filter((f) => f.objects.some((o) => o.name === pool) && f.severity !== 'info')).toEqual([]);
    expect(problems(report)).toEqual([
      'error:address-pool-missing',
      'error:requested-ip-both-fields',
      'error:requested-ip-outside-pools',
      'error:service-pending',
      'error:service-pending',
      'error:service-pending',
      'warning:controller-allocation-failed',
      'warning:controller-allocation-failed',
      'warning:controller-allocation-failed',
      'warning:deprecated-pool-annotation-stale',
    ]);
  });

  it('3. lists pending Services with the controller event that explains them (pool exhausted)', async () => {
    const pool = await healthyPool(uniqueName('tiny'), ['192.0.2.16/31']);
    for (const name of ['a', 'b', 'c']) await createLoadBalancer(ns, name);
    await waitForIp(ns, 'a');
    await waitForIp(ns, 'b');
    await eventually('AllocationFailed on c', async () =>
      (await serviceEvents(ns, 'c')).some((e) => e.reason === 'AllocationFailed') ? true : undefined,
    );
    const report = await diagnoseLab(started);
    const pending = findingsWithId(report, 'service-pending');
    expect(pending).toHaveLength(1);
    expect(pending[0]!.objects).toContainEqual(expect.objectContaining({ kind: 'Service', namespace: ns, name: 'c' }));
    expect(`${pending[0]!.title} ${pending[0]!.detail}`).toMatch(/AllocationFailed/);
    const exhausted = findingsWithId(report, 'pool-exhausted');
    expect(exhausted.map((f) => f.severity)).toEqual(['error']);
    expect(exhausted[0]!.objects.map((o) => o.name)).toEqual([pool]);
    const row = report.capacity.find((r) => r.pool === pool)!;
    expect([row.capacity, row.used, row.available]).toEqual(['2', '2', '0']);
    expect(problems(report)).toEqual([
      'error:pool-exhausted',
      'error:service-pending',
      'warning:controller-allocation-failed',
    ]);
  });

  it('4 + 5. catches overlapping pools the controller refused: parse errors in its log, ConfigurationState Invalid, pool never loaded', () =>
    withWebhookOff(async () => {
      const first = await healthyPool(uniqueName('a-first'), ['192.0.2.0/28']);
      await createLoadBalancer(ns, 'web');
      await waitForIp(ns, 'web');
      // With the webhook disabled nothing stops an overlapping pool; the controller rejects the whole config.
      const second = uniqueName('b-overlap');
      await createPool(second, ['192.0.2.8/29']);
      await eventually('ConfigurationState controller to turn Invalid', async () => {
        const state = (await labClients().custom.getNamespacedCustomObject({
          group: 'metallb.io',
          version: 'v1beta1',
          namespace: 'metallb-system',
          plural: 'configurationstates',
          name: 'controller',
        })) as { status?: { result?: string } };
        return state.status?.result === 'Invalid' ? state : undefined;
      });
      // While the controller is stuck on the old config, widen the first pool: its status keeps the old count.
      await patchPool(first, { addresses: ['192.0.2.0/27'] });
      // v0.16 writes status for every pool it loads; the rejected one never gets any.
      const report = await eventually(
        'the rejected pool to count as never loaded',
        async () => {
          const r = await diagnoseLab(started);
          return findingsWithId(r, 'pool-not-loaded').length ? r : undefined;
        },
        { timeoutMs: 40_000, intervalMs: 2_000 },
      );
      // Two distinct rejections in the log: before and after the widening.
      expect(problems(report)).toEqual([
        'error:configuration-state-invalid',
        'error:controller-config-parse-error',
        'error:controller-config-parse-error',
        'error:pool-overlap',
        'warning:pool-not-advertised',
        'warning:pool-not-loaded',
      ]);
      expect(findingsWithId(report, 'pool-not-loaded')[0]!.objects.map((o) => o.name)).toEqual([second]);
      const mismatch = findingsWithId(report, 'pool-status-mismatch');
      expect(mismatch.map((f) => [f.severity, f.objects[0]!.name])).toEqual([['info', first]]);
      expect(mismatch[0]!.title).toContain('counts 16 IPv4 addresses but spec.addresses holds 32');
      const overlap = findingsWithId(report, 'pool-overlap')[0]!;
      expect(overlap.title + overlap.detail).toContain(second);
      expect(overlap.objects.map((o) => o.name).sort()).toEqual([first, second].sort());
    }));

  it('6. finds advertisements out of step with pools', () =>
    withWebhookOff(async () => {
      const pool = uniqueName('pool');
      await createPool(pool, ['192.0.2.32/28']);
      const l2 = uniqueName('l2');
      await createL2Advertisement(l2, [pool]);
      await createLoadBalancer(ns, 'web');
      await waitForIp(ns, 'web');
      await deleteMetallbObject('l2advertisements', l2);
      await createMetallbObject('L2Advertisement', 'l2advertisements', uniqueName('l2-ghost'), {
        ipAddressPools: ['no-such-pool'],
      });
      await createMetallbObject('L2Advertisement', 'l2advertisements', uniqueName('l2-nowhere'), {
        ipAddressPools: [pool],
        nodeSelectors: [{ matchLabels: { 'kubernetes.io/hostname': 'no-such-node' } }],
      });
      await createMetallbObject('BGPAdvertisement', 'bgpadvertisements', uniqueName('bgp'), {
        ipAddressPools: [pool],
        peers: ['no-such-peer'],
        aggregationLength: 24,
      });
      const report = await diagnoseLab(started);
      const ids = problems(report);
      expect(ids).toEqual([
        'error:bgp-aggregation-length-too-short',
        'warning:advertisement-selector-matches-no-node',
        'warning:advertisement-unknown-pool',
        'warning:bgp-advertisement-unknown-peer',
      ]);
      expect(report.findings.every((f) => f.check !== 'orphaned-ips')).toBe(true);
    }));

  it('7. finds a controller rollout that is stuck', async () => {
    const { apps, namespace } = labClients();
    await healthyPool();
    await apps.patchNamespacedDeployment(
      {
        name: 'controller',
        namespace,
        body: {
          spec: {
            progressDeadlineSeconds: 2,
            template: {
              spec: { nodeSelector: { 'kubernetes.io/os': 'linux', 'lab.metallb-runbooks/unschedulable': 'true' } },
            },
          },
        },
      },
      mergePatch,
    );
    try {
      await eventually(
        'the rollout to exceed its progress deadline',
        async () => {
          const d = await apps.readNamespacedDeployment({ name: 'controller', namespace });
          return d.status?.conditions?.some((c) => c.reason === 'ProgressDeadlineExceeded') ? d : undefined;
        },
        { timeoutMs: 60_000 },
      );
      const report = await diagnoseLab(started);
      const stuck = report.findings.filter((f) => f.check === 'workload-health');
      expect(problems(report)).toEqual(['error:controller-rollout-stuck']);
      expect(stuck.find((f) => f.id === 'controller-rollout-stuck')!.detail).toMatch(
        /ProgressDeadlineExceeded|progress deadline/,
      );
    } finally {
      await apps.patchNamespacedDeployment(
        {
          name: 'controller',
          namespace,
          body: {
            spec: {
              progressDeadlineSeconds: 600,
              template: {
                spec: { nodeSelector: { 'kubernetes.io/os': 'linux', 'lab.metallb-runbooks/unschedulable': null } },
              },
            },
          },
        },
        mergePatch,
      );
      await scaleController(1);
    }
  });

  it('8. notes a leftover pre-0.13 config ConfigMap and a missing CRD', async () => {
    const { core, kc } = labClients();
    await healthyPool();
    await core.createNamespacedConfigMap({
      namespace: 'metallb-system',
      body: {
        metadata: { name: 'config' },
        data: { config: 'address-pools:\n- name: old\n  protocol: layer2\n  addresses: [192.0.2.0/28]\n' },
      },
    });
    const { ApiextensionsV1Api } = await import('@kubernetes/client-node');
    const extensions = kc.makeApiClient(ApiextensionsV1Api);
    const bfd = await extensions.readCustomResourceDefinition({ name: 'bfdprofiles.metallb.io' });
    await extensions.deleteCustomResourceDefinition({ name: 'bfdprofiles.metallb.io' });
    try {
      await eventually('the BFDProfile CRD to be gone', async () => {
        const list = await extensions.listCustomResourceDefinition();
        return list.items.some((c) => c.metadata?.name === 'bfdprofiles.metallb.io') ? undefined : true;
      });
      const report = await diagnoseLab(started);
      expect(findingsWithId(report, 'legacy-configmap').map((f) => f.severity)).toEqual(['info']);
      expect(problems(report)).toEqual(['error:crd-missing']);
      const missing = findingsWithId(report, 'crd-missing');
      expect(missing.map((f) => f.objects.map((o) => o.name))).toEqual([['bfdprofiles.metallb.io']]);
    } finally {
      await core.deleteNamespacedConfigMap({ namespace: 'metallb-system', name: 'config' });
      const { metadata, spec } = bfd;
      await extensions.createCustomResourceDefinition({ body: { metadata: { name: metadata!.name! }, spec } });
    }
  });

  it('9. reports capacity per pool and family, IPv6 beyond 2^64', async () => {
    const v4 = await healthyPool(uniqueName('v4'), ['192.0.2.64/30']);
    const v6 = await healthyPool(uniqueName('v6'), ['2001:db8:1::/64']);
    for (const name of ['a', 'b', 'c']) {
      await createLoadBalancer(ns, name, { metadata: { annotations: { 'metallb.io/address-pool': v4 } } });
    }
    for (const name of ['a', 'b', 'c']) await waitForIp(ns, name);
    const report = await diagnoseLab(started);
    const row = (pool: string) => report.capacity.find((r) => r.pool === pool)!;
    expect([row(v4).family, row(v4).capacity, row(v4).used, row(v4).available]).toEqual(['IPv4', '4', '3', '1']);
    expect([row(v6).family, row(v6).capacity, row(v6).used]).toEqual(['IPv6', '18446744073709551616', '0']);
    expect(row(v4).usedPercent).toBe(75);
    expect(problems(report)).toEqual([]);
  });
});
