import { describe, expect, it } from 'vitest';
import { allocated, brief, installation, l2Adv, namespace, NS, ofCheck, pool, run, service } from './builders.js';

const l2 = l2Adv('all-pools');
const fix = (key: string) => `metallb-runbooks fix cleanup-orphans --service ${key}`;

describe('orphaned IPs: why the IP is in no pool', () => {
  it('pool deleted: the allocated-from-pool annotation names a pool that is gone', () => {
    const report = run([
      ...installation(),
      l2,
      pool('new-pool', ['198.51.100.0/24']),
      allocated('demo/web', ['192.0.2.20'], 'old-pool'),
    ]);
    // The deleted pool is the root cause the orphan is grouped under (root-causes.test.ts).
    const findings = ofCheck(report, 'orphaned-ips').filter((f) => f.id === 'orphaned-ip');
    expect(findings.map(brief)).toEqual([
      {
        id: 'orphaned-ip',
        severity: 'error',
        objects: [{ kind: 'Service', namespace: 'demo', name: 'web' }],
        fix: fix('demo/web'),
      },
    ]);
    expect(findings[0]!.title).toBe(
      'Service demo/web holds 192.0.2.20, which is in no IPAddressPool (pool old-pool was deleted)',
    );
    expect(findings[0]!.data).toMatchObject({
      reason: 'pool-deleted',
      pool: 'old-pool',
      ips: ['192.0.2.20'],
      keptIps: [],
    });
  });

  it('pool narrowed: the named pool exists but no longer contains the IP', () => {
    const report = run([
      ...installation(),
      l2,
      pool('demo-pool', ['192.0.2.0/28']),
      allocated('demo/web', ['192.0.2.20'], 'demo-pool'),
    ]);
    const [finding] = ofCheck(report, 'orphaned-ips');
    expect(finding!.title).toBe(
      'Service demo/web holds 192.0.2.20, which is in no IPAddressPool (pool demo-pool was narrowed)',
    );
    expect(brief(finding!)).toEqual({
      id: 'orphaned-ip',
      severity: 'error',
      objects: [
        { kind: 'Service', namespace: 'demo', name: 'web' },
        { kind: 'IPAddressPool', namespace: NS, name: 'demo-pool' },
      ],
      fix: fix('demo/web'),
    });
  });

  it('avoidBuggyIPs: a .0 address in a pool that now skips it', () => {
    const report = run([
      ...installation(),
      l2,
      pool('demo-pool', ['192.0.2.0/24'], { avoidBuggyIPs: true }),
      allocated('demo/web', ['192.0.2.0'], 'demo-pool'),
    ]);
    const [finding] = ofCheck(report, 'orphaned-ips');
    expect(finding!.data).toMatchObject({ reason: 'avoid-buggy-ips', pool: 'demo-pool' });
    expect(finding!.title).toContain('pool demo-pool now sets avoidBuggyIPs');
  });

  it('serviceAllocation: namespace labels (from Namespace objects) no longer match', () => {
    const restricted = pool('team-pool', ['192.0.2.0/24'], {
      serviceAllocation: { namespaceSelectors: [{ matchLabels: { team: 'payments' } }] },
    });
    const objects = [
      ...installation(),
      namespace('payments', { team: 'payments' }),
      l2,
      restricted,
      allocated('demo/web', ['192.0.2.20'], 'team-pool'),
    ];
    const [finding] = ofCheck(run(objects), 'orphaned-ips');
    expect(finding!.title).toBe(
      'Service demo/web holds 192.0.2.20 from pool team-pool, whose serviceAllocation no longer includes this Service',
    );
    expect(finding!.data).toMatchObject({ reason: 'service-allocation' });
    // Same Service in the allowed namespace: fine.
    const ok = run([
      ...installation(),
      namespace('payments', { team: 'payments' }),
      l2,
      restricted,
      allocated('payments/web', ['192.0.2.20'], 'team-pool'),
    ]);
    expect(ofCheck(ok, 'orphaned-ips')).toEqual([]);
  });

  it('serviceAllocation with namespace selectors is not judged when the input has no Namespace objects', () => {
    const restricted = pool('team-pool', ['192.0.2.0/24'], {
      serviceAllocation: { namespaceSelectors: [{ matchLabels: { team: 'payments' } }] },
    });
    const report = run([l2, restricted, allocated('demo/web', ['192.0.2.20'], 'team-pool')], { source: 'file' });
    expect(ofCheck(report, 'orphaned-ips')).toEqual([]);
  });

  it('no annotation: the IP is in no pool and nothing says where it came from', () => {
    const report = run([
      ...installation(),
      l2,
      pool('demo-pool', ['198.51.100.0/24']),
      service('demo/web', { ips: ['192.0.2.20'] }),
    ]);
    expect(ofCheck(report, 'orphaned-ips')[0]!.title).toBe(
      'Service demo/web holds 192.0.2.20, which is in no IPAddressPool',
    );
  });

  it('a dual-stack pair split across two pools is orphaned as a whole', () => {
    const report = run([
      ...installation(),
      l2,
      pool('v4', ['192.0.2.0/24']),
      pool('v6', ['2001:db8::/64']),
      allocated('demo/web', ['192.0.2.20', '2001:db8::20'], 'v4'),
    ]);
    const [finding] = ofCheck(report, 'orphaned-ips');
    expect(finding!.data).toMatchObject({ reason: 'split-across-pools', ips: ['192.0.2.20', '2001:db8::20'] });
  });

  it('only Services MetalLB serves are checked (loadBalancerClass, type)', () => {
    const objects = [
      ...installation(),
      l2,
      pool('demo-pool', ['198.51.100.0/24']),
      service('demo/other-lb', { ips: ['192.0.2.20'], loadBalancerClass: 'example.com/other' }),
      service('demo/nodeport', { ips: ['192.0.2.21'], type: 'NodePort' }),
    ];
    expect(ofCheck(run(objects), 'orphaned-ips')).toEqual([]);
  });

  it('with --lb-class=X only class X is served (a Service without a class is then ignored)', () => {
    const objects = [
      ...installation({ args: ['--port=7472', '--lb-class=example.com/metallb'] }),
      l2,
      pool('demo-pool', ['198.51.100.0/24']),
      service('demo/mine', { ips: ['192.0.2.20'], loadBalancerClass: 'example.com/metallb' }),
      service('demo/unclassed', { ips: ['192.0.2.21'] }),
    ];
    const report = run(objects);
    expect(ofCheck(report, 'orphaned-ips').map((f) => f.objects[0]!.name)).toEqual(['mine']);
  });
});

describe('orphaned IPs: dual stack', () => {
  it('reports only the orphaned family and names the address that is kept', () => {
    const objects = [
      ...installation(),
      l2,
      pool('dual', ['198.51.100.0/24', '2001:db8::/64']),
      allocated('demo/web', ['192.0.2.20', '2001:db8::20'], 'dual'),
    ];
    const findings = ofCheck(run(objects), 'orphaned-ips');
    expect(findings).toHaveLength(1);
    expect(findings[0]!.title).toBe(
      'Service demo/web holds 192.0.2.20, which is in no IPAddressPool (pool dual was narrowed)',
    );
    expect(findings[0]!.data).toMatchObject({ ips: ['192.0.2.20'], keptIps: ['2001:db8::20'] });
    expect(findings[0]!.detail).toContain('It keeps 2001:db8::20');
  });
});

describe('orphaned IPs: version branching', () => {
  const objectsFor = (version: string) => [
    ...installation({ version }),
    l2,
    pool('demo-pool', ['192.0.2.0/28']),
    allocated('demo/web', ['192.0.2.20'], 'demo-pool'),
  ];

  it('v0.16: the controller should have cleared it, so a persisting orphan means the controller is down, stale or not the owner', () => {
    const [finding] = ofCheck(run(objectsFor('v0.16.1')), 'orphaned-ips');
    expect(finding!.detail).toMatch(/^MetalLB >= 0\.14 clears an IP/);
    expect(finding!.detail).toContain('controller is down, stale');
    expect(finding!.detail).not.toContain('fail-static');
  });

  it('v0.13: fail-static, the old config is kept and the legacy log line is named', () => {
    const [finding] = ofCheck(run(objectsFor('v0.13.12')), 'orphaned-ips');
    expect(finding!.detail).toMatch(/^MetalLB <= 0\.13 is fail-static/);
    expect(finding!.detail).toContain('applying new configuration failed');
    expect(finding!.detail).toContain('new config not compatible with assigned IPs: service \\"demo/web\\" cannot own');
    expect(finding!.fix?.command).toBe(fix('demo/web'));
  });

  it('unknown version: both behaviours are described', () => {
    const [finding] = ofCheck(run(objectsFor('latest')), 'orphaned-ips');
    expect(finding!.detail).toMatch(/^MetalLB version unknown/);
    expect(finding!.detail).toContain('fail-static');
  });

  it('says when the controller has no available replica', () => {
    const objects = objectsFor('v0.16.1').map((o) =>
      o['kind'] === 'Deployment' ? { ...o, status: { ...(o['status'] as object), availableReplicas: 0 } } : o,
    );
    const [finding] = ofCheck(run(objects), 'orphaned-ips');
    expect(finding!.detail).toContain('no available replica');
  });
});

describe('stale metallb.io/ip-allocated-from-pool', () => {
  it('warns when the IP is valid but the annotation names another (deleted) pool', () => {
    const report = run([
      ...installation(),
      l2,
      pool('renamed', ['192.0.2.0/24']),
      allocated('demo/web', ['192.0.2.20'], 'original'),
    ]);
    const findings = ofCheck(report, 'orphaned-ips');
    expect(findings.map(brief)).toEqual([
      {
        id: 'allocated-pool-annotation-stale',
        severity: 'warning',
        objects: [{ kind: 'Service', namespace: 'demo', name: 'web' }],
        fix: 'metallb-runbooks fix restart-controller',
      },
    ]);
    expect(findings[0]!.title).toBe(
      'Service demo/web is annotated as allocated from pool original (a pool that no longer exists), but 192.0.2.20 is in pool renamed',
    );
  });
});

describe('overlapping pools: an IP belongs to the pool MetalLB allocated it from', () => {
  it('ip-allocated-from-pool wins over a newer overlapping pool whose serviceAllocation excludes it', () => {
    const report = run([
      ...installation(),
      l2,
      pool('demo-pool', ['203.0.113.0/28']),
      pool('extra-pool', ['203.0.113.0/24'], { serviceAllocation: { namespaces: ['other'] } }),
      namespace('demo'),
      namespace('other'),
      allocated('demo/web', ['203.0.113.0'], 'demo-pool'),
    ]);
    expect(ofCheck(report, 'orphaned-ips')).toEqual([]);
    const row = (name: string) => report.capacity.find((r) => r.pool === name)!;
    expect([row('demo-pool').used, row('extra-pool').used]).toEqual(['1', '0']);
  });

  it('without the annotation the first containing pool is judged, as before', () => {
    const report = run([
      ...installation(),
      l2,
      pool('a-pool', ['203.0.113.0/24'], { serviceAllocation: { namespaces: ['other'] } }),
      pool('b-pool', ['203.0.113.0/28']),
      namespace('demo'),
      namespace('other'),
      service('demo/web', { ips: ['203.0.113.1'] }),
    ]);
    expect(ofCheck(report, 'orphaned-ips').map((f) => f.data?.['pool'])).toEqual(['a-pool']);
  });
});
