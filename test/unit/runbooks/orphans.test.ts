import { describe, expect, it } from 'vitest';
import { judgeServices, refusalFor } from '../../../domain/runbooks/orphans.js';
import type { ClusterFacts, ServiceFacts } from '../../../domain/runbooks/service-facts.js';

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
      'Service a/web is healthy (192.0.2.3 is inside an IPAddressPool it may use); cleanup-orphans never touches healthy Services',
    );
  });

  it('refuses pending, unserved and missing Services, and accepts an orphan', () => {
    expect(refuse('a/new')).toMatch(/has no IP yet and nothing stale/);
    expect(refuse('a/other')).toMatch(/not served by MetalLB/);
    expect(refuse('a/missing')).toBe('Service a/missing does not exist');
    expect(refuse('a/old')).toBeNull();
  });
});
