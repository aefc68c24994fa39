import { describe, expect, it } from 'vitest';
import { judgeServices, refusalFor } from '../../../domain/runbooks/orphans.js';
import type { ClusterFacts, ServiceFacts } from '../../../domain/runbooks/service-facts.js';
import { judgeClusterObjects } from '../../../domain/orphans-cluster.js';
import { allocated, installation, NS, pool, service } from '../diagnose/builders.js';

const svc = (key: string, extra: Partial<ServiceFacts> = {}): ServiceFacts => ({
  key,
  served: true,
  ips: [],
  loadBalancerIP: null,
  annotations: {},
  resourceVersion: '1',
  ...extra,
});

const facts = (...services: ServiceFacts[]): ClusterFacts => ({
  services,
  pools: [
    { name: 'p1', addresses: ['192.0.2.0/28'], avoidBuggyIPs: false },
    { name: 'p6', addresses: ['2001:db8::/120'], avoidBuggyIPs: false },
  ],
});

const verdict = (f: ClusterFacts, key: string) => judgeServices(f).find((v) => v.service === key)!;

describe('judgeServices', () => {
  it('calls a Service whose IPs are all in a pool healthy, and one without an IP pending', () => {
    const f = facts(
      svc('a/web', { ips: ['192.0.2.3'] }),
      svc('a/dual', { ips: ['198.51.100.4', '2001:db8:1::5'] }),
      svc('a/split', { ips: ['192.0.2.4', '2001:db8::5'] }),
      svc('a/new'),
    );
    f.pools.push({ name: 'dual', addresses: ['198.51.100.0/28', '2001:db8:1::/120'], avoidBuggyIPs: false });
    expect(judgeServices(f).map((v) => [v.service, v.state])).toEqual([
      ['a/web', 'healthy'],
      ['a/dual', 'healthy'],
      // MetalLB takes all of a Service's IPs from one pool: a pair split across two is an orphan.
      ['a/split', 'orphan'],
      ['a/new', 'pending'],
    ]);
  });

  it('plans to clear an ingress IP that lies in no pool', () => {
    const v = verdict(facts(svc('a/old', { ips: ['198.51.100.9'] })), 'a/old');
    expect(v.state).toBe('orphan');
    expect(v.plan).toMatchObject({
      clearIngress: true,
      removeLoadBalancerIP: false,
      removeAnnotations: [],
      ips: ['198.51.100.9'],
    });
    expect(v.plan!.reasons).toEqual(['holds 198.51.100.9, which is in no IPAddressPool']);
  });

  it('plans to remove every request no pool can serve, from the spec and both annotation prefixes', () => {
    const s = svc('a/req', {
      loadBalancerIP: '203.0.113.1',
      annotations: {
        'metallb.io/loadBalancerIPs': '192.0.2.1,2001:db8:1::1',
        'metallb.universe.tf/loadBalancerIPs': '192.0.2.2',
      },
    });
    const plan = verdict(facts(s), 'a/req').plan!;
    expect(plan.removeLoadBalancerIP).toBe(true);
    // The old-prefix request is servable and stays; the new one has an IPv6 address outside p6.
    expect(plan.removeAnnotations).toEqual(['metallb.io/loadBalancerIPs']);
    expect(plan.clearIngress).toBe(false);
  });

  it('plans to remove pool annotations naming pools that do not exist, keeping valid ones', () => {
    const s = svc('a/stale', {
      ips: ['192.0.2.7'],
      annotations: {
        'metallb.io/address-pool': 'p1',
        'metallb.universe.tf/address-pool': 'deleted',
        'metallb.universe.tf/ip-allocated-from-pool': 'deleted-too',
        'metallb.io/ip-allocated-from-pool': 'p1',
      },
    });
    const plan = verdict(facts(s), 'a/stale').plan!;
    // The old-prefix address-pool is shadowed by a valid metallb.io one: MetalLB ignores it, so it stays.
    expect(plan.removeAnnotations).toEqual(['metallb.universe.tf/ip-allocated-from-pool']);
    expect(plan.reasons).toContain(
      'metallb.universe.tf/ip-allocated-from-pool names pool deleted-too, which does not exist',
    );
  });

  it('leaves Services MetalLB does not serve alone, whatever they hold', () => {
    expect(verdict(facts(svc('a/other', { served: false, ips: ['198.51.100.1'] })), 'a/other')).toEqual({
      service: 'a/other',
      state: 'not-served',
      ips: ['198.51.100.1'],
      plan: null,
    });
  });

  it('ignores a pool that does not parse, as MetalLB does', () => {
    const f: ClusterFacts = {
      services: [svc('a/x', { ips: ['198.51.100.1'] })],
      pools: [{ name: 'bad', addresses: ['198.51.100.1'], avoidBuggyIPs: false }],
    };
    expect(verdict(f, 'a/x').state).toBe('orphan');
  });
});

describe('refusalFor', () => {
  const f = facts(
    svc('a/web', { ips: ['192.0.2.3'] }),
    svc('a/new'),
    svc('a/other', { served: false }),
    svc('a/old', { ips: ['198.51.100.9'] }),
  );
  const refuse = (key: string) =>
    refusalFor(
      judgeServices(f).find((v) => v.service === key),
      key,
    );

  it('refuses a healthy Service with its IP and the rule', () => {
    expect(refuse('a/web')).toBe(
      'Service a/web is healthy (192.0.2.3 is inside an IPAddressPool it may use); ' +
        'cleanup-orphans never touches healthy Services',
    );
  });

  it('refuses pending, unserved and missing Services, and accepts an orphan', () => {
    expect(refuse('a/new')).toMatch(/has no IP yet and nothing stale/);
    expect(refuse('a/other')).toMatch(/not served by MetalLB/);
    expect(refuse('a/missing')).toBe('Service a/missing does not exist');
    expect(refuse('a/old')).toBeNull();
  });
});

describe('the shared orphan model on full objects (domain/orphans.ts via judgeClusterObjects)', () => {
  const base = [...installation(), pool('main', ['192.0.2.0/24'])];
  const team = pool('team', ['198.51.100.0/24'], { serviceAllocation: { namespaces: ['payments'] } });
  const planOf = (objects: unknown[], key = 'demo/web') =>
    judgeClusterObjects(objects, { namespace: NS, lbClass: null }).find((v) => v.service === key)!;

  it('serviceAllocation no longer matching: clears the ingress, nothing to remove', () => {
    const v = planOf([...base, team, allocated('demo/web', ['198.51.100.9'], 'team')]);
    expect(v.state).toBe('orphan');
    expect(v.plan).toMatchObject({ clearIngress: true, removeLoadBalancerIP: false, removeAnnotations: [] });
    expect(v.plan!.reasons).toEqual([
      "holds 198.51.100.9, whose pool's serviceAllocation no longer includes this Service",
    ]);
  });

  it('serviceAllocation excluding a requested IP: removes the request and clears the IP it pinned', () => {
    const v = planOf([
      ...base,
      team,
      allocated('demo/web', ['198.51.100.9'], 'team', { loadBalancerIP: '198.51.100.9' }),
    ]);
    expect(v.plan).toMatchObject({ clearIngress: true, removeLoadBalancerIP: true, removeAnnotations: [] });
  });

  it('split across pools: clears the ingress so both IPs come from one pool', () => {
    const v = planOf([
      ...base,
      pool('other', ['2001:db8::/120']),
      allocated('demo/web', ['192.0.2.9', '2001:db8::9'], 'main'),
    ]);
    expect(v.plan).toMatchObject({ clearIngress: true, ips: ['192.0.2.9', '2001:db8::9'] });
    expect(v.plan!.reasons).toEqual([
      'holds 192.0.2.9, which no single IPAddressPool contains',
      'holds 2001:db8::9, which no single IPAddressPool contains',
    ]);
  });

  it('an IP shared without agreement: the first holder keeps it, the later one is cleared', () => {
    const objects = [
      ...base,
      allocated('demo/api', ['192.0.2.5'], 'main'),
      allocated('demo/web', ['192.0.2.5'], 'main'),
    ];
    expect(planOf(objects, 'demo/api').state).toBe('healthy');
    expect(planOf(objects).plan).toMatchObject({ clearIngress: true });
  });

  it('both spec.loadBalancerIP and the annotation: drops the deprecated spec field, keeps a servable annotation', () => {
    const v = planOf([
      ...base,
      service('demo/web', { loadBalancerIP: '192.0.2.5', annotations: { 'metallb.io/loadBalancerIPs': '192.0.2.6' } }),
    ]);
    expect(v.plan).toMatchObject({ removeLoadBalancerIP: true, removeAnnotations: [], clearIngress: false });
  });

  it('a requested IP another Service holds and may not share: removes the request', () => {
    const v = planOf([
      ...base,
      allocated('demo/api', ['192.0.2.5'], 'main'),
      service('demo/web', { annotations: { 'metallb.io/loadBalancerIPs': '192.0.2.5' } }),
    ]);
    expect(v.plan).toMatchObject({ removeAnnotations: ['metallb.io/loadBalancerIPs'], clearIngress: false });
  });

  it('an unservable new-prefix request takes an unservable old-prefix duplicate with it, not a servable one', () => {
    const request = (old: string) =>
      planOf([
        ...base,
        service('demo/web', {
          annotations: { 'metallb.io/loadBalancerIPs': '203.0.113.1', 'metallb.universe.tf/loadBalancerIPs': old },
        }),
      ]).plan!.removeAnnotations;
    expect(request('203.0.113.2')).toEqual(['metallb.io/loadBalancerIPs', 'metallb.universe.tf/loadBalancerIPs']);
    expect(request('192.0.2.2')).toEqual(['metallb.io/loadBalancerIPs']);
  });

  it('leaves a Service of another load-balancer class alone, and judges it with --lb-class', () => {
    const objects = [...base, service('demo/web', { loadBalancerClass: 'other', ips: ['203.0.113.7'] })];
    expect(planOf(objects).state).toBe('not-served');
    const served = judgeClusterObjects(objects, { namespace: NS, lbClass: 'other' }).find(
      (v) => v.service === 'demo/web',
    );
    expect(served?.state).toBe('orphan');
  });
});
