import { describe, expect, it } from 'vitest';
import { allocated, bgpAdv, bgpPeer, installation, l2Adv, pool, service } from '../diagnose/builders.js';
import { expectEveryPrefixSafe, impactLines, planFor, stepLines } from './helpers.js';

const base = (extra: unknown[] = []) => [
  ...installation(),
  pool('web', ['192.0.2.0/28']),
  l2Adv('l2', { ipAddressPools: ['web'] }),
  allocated('demo/a', ['192.0.2.1'], 'web'),
  allocated('demo/b', ['192.0.2.9'], 'web'),
  ...extra,
];

describe('plan: pools', () => {
  it('no change: valid, safe, no steps, every Service keeps its IP', () => {
    const { plan } = planFor(base(), [pool('web', ['192.0.2.0/28']), l2Adv('l2', { ipAddressPools: ['web'] })]);
    expect(plan).toMatchObject({ valid: true, safe: true, steps: [], refusals: [] });
    expect(impactLines(plan)).toEqual(['demo/a keeps 192.0.2.1 -> 192.0.2.1', 'demo/b keeps 192.0.2.9 -> 192.0.2.9']);
    expect(plan.changes.every((c) => c.action === 'unchanged')).toBe(true);
    expect(plan.basedOn).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('widen a pool: one update, safe', () => {
    const { plan, input } = planFor(base(), [pool('web', ['192.0.2.0/27']), l2Adv('l2', { ipAddressPools: ['web'] })]);
    expect(plan.safe).toBe(true);
    expect(stepLines(plan)).toEqual(['update IPAddressPool/web']);
    expect(plan.changes.find((c) => c.name === 'web')).toMatchObject({ action: 'update', fields: ['spec.addresses'] });
    expectEveryPrefixSafe(input, plan);
  });

  it('add a pool: the advertisement names it first, so the pool is announced from the moment it exists', () => {
    const wanted = [
      pool('web', ['192.0.2.0/28']),
      pool('extra', ['198.51.100.0/28']),
      l2Adv('l2', { ipAddressPools: ['web', 'extra'] }),
    ];
    const { plan, input } = planFor(base(), wanted);
    expect(plan.safe).toBe(true);
    expect(stepLines(plan)).toEqual(['update L2Advertisement/l2', 'create IPAddressPool/extra']);
    expectEveryPrefixSafe(input, plan);
  });

  it('narrow a pool: refused, listing the Service that would move with its expected new IP', () => {
    const wanted = [pool('web', ['192.0.2.0/29']), l2Adv('l2', { ipAddressPools: ['web'] })];
    const { plan } = planFor(base(), wanted);
    expect(plan.safe).toBe(false);
    expect(plan.refusals.map((r) => r.rule)).toEqual(['ip-changes']);
    expect(plan.refusals[0]!.services).toEqual([
      {
        namespace: 'demo',
        name: 'b',
        before: ['192.0.2.9'],
        after: ['192.0.2.0'],
        outcome: 'changes',
        reason:
          'no pool covers 192.0.2.9 (pool "web" narrowed); gets 192.0.2.0 from pool "web" ' +
          '(v0.14+ clears and reassigns; a <= v0.13 controller would refuse the whole config instead)',
      },
    ]);
    const allowed = planFor(base(), wanted, { allowIpChanges: true });
    expect(allowed.plan.safe).toBe(true);
    expect(impactLines(allowed.plan)).toEqual([
      'demo/a keeps 192.0.2.1 -> 192.0.2.1',
      'demo/b changes 192.0.2.9 -> 192.0.2.0',
    ]);
    expectEveryPrefixSafe(allowed.input, allowed.plan);
  });

  it('avoidBuggyIPs with a .0 in use: refused (an IP change), allowed with the new IP', () => {
    const cluster = [...base(), allocated('demo/zero', ['192.0.2.0'], 'web')];
    const wanted = [pool('web', ['192.0.2.0/28'], { avoidBuggyIPs: true }), l2Adv('l2', { ipAddressPools: ['web'] })];
    const { plan } = planFor(cluster, wanted);
    expect(plan.refusals.map((r) => r.rule)).toEqual(['ip-changes']);
    expect(plan.refusals[0]!.services!.map((s) => [s.name, s.after, s.reason])).toEqual([
      ['zero', ['192.0.2.2'], 'pool "web" skips 192.0.2.0 (avoidBuggyIPs); gets 192.0.2.2 from pool "web"'],
    ]);
    const allowed = planFor(cluster, wanted, { allowIpChanges: true });
    expect(allowed.plan.safe).toBe(true);
    expectEveryPrefixSafe(allowed.input, allowed.plan);
  });

  it('delete an unused pool: one delete, safe', () => {
    const cluster = base([pool('spare', ['198.51.100.0/24'])]);
    const { plan, input } = planFor(cluster, [pool('web', ['192.0.2.0/28']), l2Adv('l2', { ipAddressPools: ['web'] })]);
    expect(plan.safe).toBe(true);
    expect(stepLines(plan)).toEqual(['delete IPAddressPool/spare']);
    expectEveryPrefixSafe(input, plan);
  });

  it('delete a pool in use: refused (pool in use, IPs lost); --allow-ip-changes lets the Services move', () => {
    const cluster = base([pool('spare', ['198.51.100.0/24'])]);
    const wanted = [pool('spare', ['198.51.100.0/24']), l2Adv('l2', { ipAddressPools: ['spare'] })];
    const { plan } = planFor(cluster, wanted);
    expect(plan.refusals.map((r) => r.rule)).toEqual(['ip-changes', 'pool-in-use-deleted']);
    expect(plan.refusals[1]!.message).toContain('IPAddressPool "web" is deleted while 2 Services hold IPs');
    const allowed = planFor(cluster, wanted, { allowIpChanges: true });
    expect(allowed.plan.safe).toBe(true);
    expect(impactLines(allowed.plan)).toEqual([
      'demo/a changes 192.0.2.1 -> 198.51.100.0',
      'demo/b changes 192.0.2.9 -> 198.51.100.1',
    ]);
    // Updates before deletions: the advertisement first announces both pools, then only the one that stays.
    expect(stepLines(allowed.plan)).toEqual([
      'update L2Advertisement/l2',
      'update L2Advertisement/l2',
      'delete IPAddressPool/web',
    ]);
    expectEveryPrefixSafe(allowed.input, allowed.plan);
  });

  it('rename a pool: pin, delete old + create new back to back, unpin; every Service keeps its IP', () => {
    const wanted = [pool('web-v2', ['192.0.2.0/28']), l2Adv('l2', { ipAddressPools: ['web-v2'] })];
    const { plan, input } = planFor(base(), wanted);
    expect(plan.refusals).toEqual([]);
    expect(plan.safe).toBe(true);
    expect(impactLines(plan)).toEqual(['demo/a keeps 192.0.2.1 -> 192.0.2.1', 'demo/b keeps 192.0.2.9 -> 192.0.2.9']);
    expect(stepLines(plan)).toEqual([
      'update L2Advertisement/l2',
      'pin-services demo/a=192.0.2.1 demo/b=192.0.2.9',
      'delete IPAddressPool/web +',
      'create IPAddressPool/web-v2',
      'unpin-services demo/a=192.0.2.1 demo/b=192.0.2.9',
      'update L2Advertisement/l2',
    ]);
    // The advertisement announces both names until the swap is over.
    expect((plan.steps[0] as unknown as { manifest: { spec: unknown } }).manifest.spec).toMatchObject({
      ipAddressPools: ['web-v2', 'web'],
    });
    expectEveryPrefixSafe(input, plan);
  });

  it('rename: a Service whose address-pool annotation names the old pool cannot be held: loses its IP', () => {
    const cluster = base([
      allocated('demo/pinned-pool', ['192.0.2.5'], 'web', { annotations: { 'metallb.io/address-pool': 'web' } }),
    ]);
    const wanted = [pool('web-v2', ['192.0.2.0/28']), l2Adv('l2', { ipAddressPools: ['web-v2'] })];
    const { plan } = planFor(cluster, wanted);
    expect(plan.refusals.map((r) => r.rule)).toEqual(['ip-changes', 'pool-in-use-deleted']);
    expect(plan.refusals[0]!.services!.map((s) => [s.name, s.outcome, s.reason])).toEqual([
      [
        'pinned-pool',
        'loses',
        'metallb.io/address-pool names pool "web", which does not exist after the change; unknown pool "web"',
      ],
    ]);
  });

  it('split a pool: shrink the old one and create the second half back to back, pinning the moving Service', () => {
    const wanted = [
      pool('web', ['192.0.2.0/29']),
      pool('web-hi', ['192.0.2.8/29']),
      l2Adv('l2', { ipAddressPools: ['web', 'web-hi'] }),
    ];
    const { plan, input } = planFor(base(), wanted);
    expect(plan.safe).toBe(true);
    expect(impactLines(plan)).toEqual(['demo/a keeps 192.0.2.1 -> 192.0.2.1', 'demo/b keeps 192.0.2.9 -> 192.0.2.9']);
    expect(stepLines(plan)).toEqual([
      'update L2Advertisement/l2',
      'pin-services demo/b=192.0.2.9',
      'update IPAddressPool/web +',
      'create IPAddressPool/web-hi',
      'unpin-services demo/b=192.0.2.9',
    ]);
    expectEveryPrefixSafe(input, plan);
  });

  it('merge two pools: delete one and widen the other back to back', () => {
    const cluster = [
      ...installation(),
      pool('lo', ['192.0.2.0/29']),
      pool('hi', ['192.0.2.8/29']),
      l2Adv('l2'),
      allocated('demo/a', ['192.0.2.1'], 'lo'),
      allocated('demo/b', ['192.0.2.9'], 'hi'),
    ];
    const { plan, input } = planFor(cluster, [pool('lo', ['192.0.2.0/28']), l2Adv('l2')]);
    expect(plan.safe).toBe(true);
    expect(stepLines(plan)).toEqual([
      'pin-services demo/b=192.0.2.9',
      'delete IPAddressPool/hi +',
      'update IPAddressPool/lo',
      'unpin-services demo/b=192.0.2.9',
    ]);
    expectEveryPrefixSafe(input, plan);
  });

  it('swap addresses between two pools: one first shrinks to what it keeps', () => {
    const cluster = [
      ...installation(),
      pool('x', ['192.0.2.0/29', '192.0.2.16/29']),
      pool('y', ['192.0.2.8/29']),
      l2Adv('l2'),
      allocated('demo/a', ['192.0.2.1'], 'x'),
      allocated('demo/b', ['192.0.2.17'], 'x'),
    ];
    const wanted = [pool('x', ['192.0.2.0/29', '192.0.2.8/29']), pool('y', ['192.0.2.16/29']), l2Adv('l2')];
    const { plan, input } = planFor(cluster, wanted);
    expect(plan.refusals).toEqual([]);
    expect(stepLines(plan)).toEqual([
      'pin-services demo/b=192.0.2.17',
      'update IPAddressPool/x +',
      'update IPAddressPool/y +',
      'update IPAddressPool/x',
      'unpin-services demo/b=192.0.2.17',
    ]);
    expect((plan.steps[1] as unknown as { manifest: { spec: unknown } }).manifest.spec).toMatchObject({
      addresses: ['192.0.2.0/29'],
    });
    expectEveryPrefixSafe(input, plan);
  });
});

describe('plan: advertisements, serviceAllocation, pending Services', () => {
  it('add an advertisement: one create; remove the last one of a pool in use: refused', () => {
    const added = planFor(base(), [
      pool('web', ['192.0.2.0/28']),
      l2Adv('l2', { ipAddressPools: ['web'] }),
      l2Adv('l2-b'),
    ]);
    expect(stepLines(added.plan)).toEqual(['create L2Advertisement/l2-b']);
    expect(added.plan.safe).toBe(true);
    const removed = planFor(base(), [pool('web', ['192.0.2.0/28'])]);
    expect(removed.plan.refusals.map((r) => r.rule)).toEqual(['last-advertisement-removed']);
    expect(removed.plan.unannouncedPools).toEqual(['web']);
    // With a second advertisement left, removing one is fine.
    const second = planFor(base([l2Adv('l2-b')]), [pool('web', ['192.0.2.0/28']), l2Adv('l2-b')]);
    expect(second.plan.safe).toBe(true);
    expect(stepLines(second.plan)).toEqual(['delete L2Advertisement/l2']);
    expectEveryPrefixSafe(second.input, second.plan);
    expectEveryPrefixSafe(added.input, added.plan);
  });

  it('serviceAllocation no longer matching a Service: refused with the reason; matching ones keep their IPs', () => {
    const cluster = base([allocated('other/c', ['192.0.2.3'], 'web')]);
    const wanted = [
      pool('web', ['192.0.2.0/28'], { serviceAllocation: { namespaces: ['demo'] } }),
      l2Adv('l2', { ipAddressPools: ['web'] }),
    ];
    const { plan } = planFor(cluster, wanted);
    expect(plan.refusals[0]!.services!.map((s) => [`${s.namespace}/${s.name}`, s.outcome, s.reason])).toEqual([
      [
        'other/c',
        'loses',
        'serviceAllocation of pool "web" no longer matches it; no pool that allows it has a free address',
      ],
    ]);
    expect(plan.impact.filter((i) => i.outcome === 'keeps').map((i) => i.name)).toEqual(['a', 'b']);
    const allowed = planFor(cluster, wanted, { allowIpChanges: true });
    expect(stepLines(allowed.plan)).toEqual(['update IPAddressPool/web']);
    expectEveryPrefixSafe(allowed.input, allowed.plan);
  });

  it('a pending Service that a new pool serves gets the lowest free address', () => {
    const cluster = [
      ...installation(),
      pool('full', ['192.0.2.0/32']),
      l2Adv('l2'),
      allocated('demo/a', ['192.0.2.0'], 'full'),
      service('demo/waiting'),
    ];
    const { plan, input } = planFor(cluster, [
      pool('full', ['192.0.2.0/32']),
      pool('more', ['198.51.100.8/29']),
      l2Adv('l2'),
    ]);
    expect(impactLines(plan)).toEqual(['demo/a keeps 192.0.2.0 -> 192.0.2.0', 'demo/waiting gets - -> 198.51.100.8']);
    expect(plan.safe).toBe(true);
    expectEveryPrefixSafe(input, plan);
  });

  it('a requested IP outside the new config: the Service loses it', () => {
    const cluster = base([
      service('demo/asks', { ips: ['192.0.2.12'], annotations: { 'metallb.io/loadBalancerIPs': '192.0.2.12' } }),
    ]);
    const { plan } = planFor(cluster, [pool('web', ['192.0.2.0/29']), l2Adv('l2', { ipAddressPools: ['web'] })], {
      allowIpChanges: true,
    });
    expect(plan.impact.find((i) => i.name === 'asks')).toMatchObject({
      outcome: 'loses',
      after: [],
      reason: expect.stringContaining('requested 192.0.2.12 is in no pool'),
    });
  });
});

describe('plan: what speakers would reject', () => {
  it('a BGPAdvertisement with an invalid community is refused; one broken today is not blamed on the change', () => {
    const peer = bgpPeer('peer');
    const bad = bgpAdv('bgp', { ipAddressPools: ['web'], communities: ['not-a-community'] });
    const wanted = [pool('web', ['192.0.2.0/28']), l2Adv('l2', { ipAddressPools: ['web'] }), peer, bad];
    const { plan } = planFor(base([peer]), wanted);
    expect(plan.refusals.map((r) => r.rule)).toEqual(['speakers-would-reject']);
    expect(plan.refusals[0]!.message).toContain('uses community "not-a-community"');
    expect(plan.projectedFindings!.map((f) => f.id)).toContain('bgp-advertisement-invalid-community');
    const already = planFor(base([peer, bad]), [...wanted, pool('more', ['203.0.113.0/24'])]);
    expect(already.plan.refusals).toEqual([]);
  });
});

describe('plan: versions and prune scope', () => {
  it('v0.13 refuses the whole config when an IP leaves every pool (fail-static); v0.16 clears and reassigns', () => {
    const wanted = [pool('web', ['192.0.2.0/29']), l2Adv('l2', { ipAddressPools: ['web'] })];
    const old = planFor(base(), wanted, { version: 'v0.13.12', allowIpChanges: true });
    expect(old.plan.refusals.map((r) => r.rule)).toEqual(['controller-refuses-config']);
    expect(old.plan.impact.find((i) => i.name === 'b')).toMatchObject({
      outcome: 'keeps',
      reason: expect.stringMatching(
        /^a <= v0.13 controller refuses the whole config \(fail-static\).*v0.14\+ would instead/,
      ),
    });
    const current = planFor(base(), wanted, { version: 'v0.16.1', allowIpChanges: true });
    expect(current.plan.refusals).toEqual([]);
    expect(current.plan.impact.find((i) => i.name === 'b')).toMatchObject({ outcome: 'changes', after: ['192.0.2.0'] });
  });

  it('without prune, live objects the files leave out stay; with a selector only labelled ones go', () => {
    const cluster = base([
      pool('spare', ['198.51.100.0/24'], { labels: { team: 'x' } }),
      pool('kept', ['203.0.113.0/24']),
    ]);
    const wanted = [pool('web', ['192.0.2.0/28']), l2Adv('l2', { ipAddressPools: ['web'] })];
    expect(stepLines(planFor(cluster, wanted, { prune: null }).plan)).toEqual([]);
    expect(stepLines(planFor(cluster, wanted, { prune: { selector: { team: 'x' } } }).plan)).toEqual([
      'delete IPAddressPool/spare',
    ]);
  });

  it('labels: a label the files set is an update, a live label they leave out is not', () => {
    const cluster = base([pool('tagged', ['198.51.100.0/24'], { labels: { team: 'x', 'managed-by': 'helm' } })]);
    const same = [pool('tagged', ['198.51.100.0/24'], { labels: { team: 'x' } })];
    expect(planFor(cluster, same, { prune: null }).plan.steps).toEqual([]);
    const relabelled = [pool('tagged', ['198.51.100.0/24'], { labels: { team: 'y' } })];
    expect(planFor(cluster, relabelled, { prune: null }).plan.changes.find((c) => c.name === 'tagged')).toMatchObject({
      action: 'update',
      fields: ['metadata.labels'],
    });
  });

  it('basedOn ignores status and resourceVersion but not specs', () => {
    const wanted = [pool('web', ['192.0.2.0/28'])];
    const a = planFor(base(), wanted).plan.basedOn;
    const withStatus = (base() as { kind: string; metadata: object }[]).map((o) =>
      o.kind === 'IPAddressPool'
        ? { ...o, status: { assignedIPv4: 2 }, metadata: { ...o.metadata, resourceVersion: '9' } }
        : o,
    );
    expect(planFor(withStatus, wanted).plan.basedOn).toBe(a);
    expect(planFor(base([pool('x', ['203.0.113.0/24'])]), wanted).plan.basedOn).not.toBe(a);
  });
});
