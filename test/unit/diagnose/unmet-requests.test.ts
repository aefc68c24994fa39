import { describe, expect, it } from 'vitest';
import { allocated, brief, event, installation, l2Adv, NOW, ofCheck, pool, run, service, VERSION } from './builders.js';

const base = [...installation(), l2Adv('all'), pool('demo-pool', ['192.0.2.0/24'])];
const web = { kind: 'Service', namespace: 'demo', name: 'web' };
const cleanup = (key: string) => `metallb-runbooks fix cleanup-orphans --service ${key}`;
const unmet = (objects: unknown[]) => ofCheck(run([...base, ...objects]), 'unmet-requests');

describe('requested IPs', () => {
  it('spec.loadBalancerIP outside every pool', () => {
    const findings = unmet([service('demo/web', { loadBalancerIP: '203.0.113.9' })]);
    expect(findings.map(brief)).toEqual([
      { id: 'requested-ip-outside-pools', severity: 'error', objects: [web], fix: cleanup('demo/web') },
    ]);
    expect(findings[0]!.title).toBe(
      'Service demo/web requests 203.0.113.9 (spec.loadBalancerIP), which is in no IPAddressPool',
    );
    expect(findings[0]!.detail).toContain('["203.0.113.9"] is not allowed in config');
  });

  it('metallb.io/loadBalancerIPs and the deprecated alias are both read (new prefix wins)', () => {
    const both = unmet([
      service('demo/web', {
        annotations: {
          'metallb.io/loadBalancerIPs': '192.0.2.5',
          'metallb.universe.tf/loadBalancerIPs': '203.0.113.9',
        },
      }),
    ]);
    expect(both.map((f) => f.id)).toEqual(['deprecated-annotations-in-use']);
    const old = unmet([service('demo/web', { annotations: { 'metallb.universe.tf/loadBalancerIPs': '203.0.113.9' } })]);
    expect(old.map((f) => f.id)).toEqual(['requested-ip-outside-pools', 'deprecated-annotations-in-use']);
    expect(old[0]!.title).toContain('(metallb.universe.tf/loadBalancerIPs)');
  });

  it('both spec.loadBalancerIP and the annotation', () => {
    const findings = unmet([
      service('demo/web', { loadBalancerIP: '192.0.2.5', annotations: { 'metallb.io/loadBalancerIPs': '192.0.2.6' } }),
    ]);
    expect(findings.map(brief)).toEqual([
      { id: 'requested-ip-both-fields', severity: 'error', objects: [web], fix: cleanup('demo/web') },
    ]);
    expect(findings[0]!.detail).toContain(
      'service can not have both metallb.io/loadBalancerIPs and svc.Spec.LoadBalancerIP',
    );
  });

  it.each([
    ['192.0.2.5,192.0.2.6', 'IPFamilyForAddresses: same address family ["192.0.2.5" "192.0.2.6"]'],
    ['192.0.2.5,2001:db8::5,192.0.2.6', 'IPFamilyForAddresses: invalid ips length 3'],
    ['192.0.2.500', 'invalid metallb.io/loadBalancerIPs: "192.0.2.500"'],
  ])('invalid annotation %s', (value, message) => {
    const [finding] = unmet([service('demo/web', { annotations: { 'metallb.io/loadBalancerIPs': value } })]);
    expect(finding!.id).toBe('requested-ip-invalid');
    expect(finding!.title).toContain(message);
  });

  it('two families from one dual-stack pool are fine; split across pools is not', () => {
    const dual = [...installation(), l2Adv('all'), pool('dual', ['192.0.2.0/24', '2001:db8::/64'])];
    const ok = ofCheck(
      run([...dual, service('demo/web', { annotations: { 'metallb.io/loadBalancerIPs': '192.0.2.5, 2001:db8::5' } })]),
      'unmet-requests',
    );
    expect(ok).toEqual([]);
    const split = [...installation(), l2Adv('all'), pool('v4', ['192.0.2.0/24']), pool('v6', ['2001:db8::/64'])];
    const [finding] = ofCheck(
      run([...split, service('demo/web', { annotations: { 'metallb.io/loadBalancerIPs': '192.0.2.5,2001:db8::5' } })]),
      'unmet-requests',
    );
    expect(finding!.title).toContain('(no single pool contains all of them)');
  });

  it('requested IP in a pool whose serviceAllocation excludes the Service', () => {
    const objects = [
      ...installation(),
      l2Adv('all'),
      pool('payments', ['192.0.2.0/24'], { serviceAllocation: { namespaces: ['payments'] } }),
      service('demo/web', { loadBalancerIP: '192.0.2.5' }),
    ];
    const [finding] = ofCheck(run(objects), 'unmet-requests');
    expect(brief(finding!)).toEqual({
      id: 'requested-ip-pool-excludes-service',
      severity: 'error',
      objects: [web, { kind: 'IPAddressPool', namespace: 'metallb-system', name: 'payments' }],
      fix: cleanup('demo/web'),
    });
  });

  it('requested IP in one pool while metallb.io/address-pool names another', () => {
    const objects = [
      ...base,
      pool('other', ['198.51.100.0/24']),
      service('demo/web', { loadBalancerIP: '192.0.2.5', annotations: { 'metallb.io/address-pool': 'other' } }),
    ];
    const [finding] = ofCheck(run(objects), 'unmet-requests');
    expect(finding!.id).toBe('requested-ip-pool-mismatch');
    expect(finding!.detail).toContain(
      'requested loadBalancer IP(s) ["192.0.2.5"] is not compatible with requested address pool other',
    );
  });

  it('requested IP held by a Service that cannot share it', () => {
    const findings = unmet([
      allocated('demo/api', ['192.0.2.5'], 'demo-pool'),
      service('demo/web', { loadBalancerIP: '192.0.2.5' }),
    ]);
    expect(findings.map(brief)).toEqual([
      {
        id: 'requested-ip-in-use',
        severity: 'error',
        objects: [web, { kind: 'Service', namespace: 'demo', name: 'api' }],
        fix: cleanup('demo/web'),
      },
    ]);
    expect(findings[0]!.title).toBe(
      'Service demo/web requests 192.0.2.5, which Service demo/api already holds and cannot share',
    );
  });

  it('sharing works with the same allow-shared-ip key and distinct ports, and fails on a port clash', () => {
    const shared = { 'metallb.io/allow-shared-ip': 'k' };
    const ok = unmet([
      allocated('demo/api', ['192.0.2.5'], 'demo-pool', { annotations: shared, ports: [{ port: 443 }] }),
      service('demo/web', { loadBalancerIP: '192.0.2.5', annotations: shared, ports: [{ port: 80 }] }),
    ]);
    expect(ok).toEqual([]);
    const clash = unmet([
      allocated('demo/api', ['192.0.2.5'], 'demo-pool', { annotations: shared, ports: [{ port: 80 }] }),
      service('demo/web', { loadBalancerIP: '192.0.2.5', annotations: shared, ports: [{ port: 80 }] }),
    ]);
    expect(clash[0]!.data).toMatchObject({ reason: 'port TCP/80 is already in use on the shared IP' });
  });

  it('two Services holding one IP without a common sharing key', () => {
    const findings = unmet([
      allocated('demo/api', ['192.0.2.5'], 'demo-pool'),
      allocated('demo/web', ['192.0.2.5'], 'demo-pool'),
    ]);
    expect(findings.map(brief)).toEqual([
      {
        id: 'ip-shared-without-agreement',
        severity: 'error',
        objects: [{ kind: 'Service', namespace: 'demo', name: 'api' }, web],
        fix: cleanup('demo/web'),
      },
    ]);
  });
});

describe('requested pools and pool annotations', () => {
  it('metallb.io/address-pool naming a missing pool', () => {
    const findings = unmet([service('demo/web', { annotations: { 'metallb.io/address-pool': 'gone' } })]);
    expect(findings.map(brief)).toEqual([
      { id: 'address-pool-missing', severity: 'error', objects: [web], fix: cleanup('demo/web') },
    ]);
    expect(findings[0]!.title).toBe(
      'Service demo/web asks for pool gone (metallb.io/address-pool), which does not exist',
    );
    expect(findings[0]!.detail).toContain('unknown pool "gone"');
  });

  it('stale metallb.universe.tf/ip-allocated-from-pool naming a deleted pool (v0.14.9+) and its deprecatedAnnotation events', () => {
    const svc = allocated('demo/web', ['192.0.2.10'], 'demo-pool', {
      annotations: { 'metallb.universe.tf/ip-allocated-from-pool': 'old-pool' },
    });
    const report = run([
      ...base,
      svc,
      event(
        'demo/web',
        'deprecatedAnnotation',
        'Service uses deprecated annotation metallb.universe.tf/ip-allocated-from-pool',
        NOW,
      ),
    ]);
    const findings = ofCheck(report, 'unmet-requests');
    expect(findings.map(brief)).toEqual([
      { id: 'deprecated-pool-annotation-stale', severity: 'warning', objects: [web], fix: cleanup('demo/web') },
    ]);
    expect(findings[0]!.title).toBe(
      'Service demo/web carries metallb.universe.tf/ip-allocated-from-pool=old-pool, naming a pool that no longer exists',
    );
    expect(findings[0]!.detail).toContain('never removes the old-prefix key');
    expect(findings[0]!.detail).toContain('Warning events seen: 1');
    expect(VERSION).toBe('v0.16.1');
  });
});
