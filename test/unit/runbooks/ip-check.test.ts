import { describe, expect, it } from 'vitest';
import { heldIps, scopedIpProblems, untouchedReport } from '../../../domain/runbooks/ip-check.js';
import type { ServiceFacts } from '../../../domain/runbooks/service-facts.js';

const svc = (key: string, ips: string[], served = true): ServiceFacts => ({
  key,
  served,
  ips,
  loadBalancerIP: null,
  annotations: {},
  resourceVersion: '1',
});
const pools = [{ name: 'a', addresses: ['192.0.2.0/28'], avoidBuggyIPs: false }];
const before = [svc('ns/web', ['192.0.2.1']), svc('ns/stray', ['203.0.113.7']), svc('ns/pending', [])];

describe('scopedIpProblems: the final check covers only what the run touched', () => {
  it('an orphan the run did not touch is not a problem, even while it still holds an IP in no pool', () => {
    expect(scopedIpProblems(before, pools, { placed: [], held: heldIps(before) })).toEqual([]);
  });

  it('a Service that held an IP inside a pool and lost it is a problem', () => {
    const after = [svc('ns/web', []), ...before.slice(1)];
    expect(scopedIpProblems(after, pools, { placed: [], held: heldIps(before) })).toEqual([
      'ns/web has no IP (it held 192.0.2.1 inside a pool before the run)',
    ]);
  });

  it('a cleaned Service must end with an IP inside a pool', () => {
    expect(scopedIpProblems(before, pools, { placed: ['ns/stray', 'ns/pending'], held: [] })).toEqual([
      'ns/stray holds 203.0.113.7, which is in no pool',
      'ns/pending has no IP',
    ]);
  });

  it('a Service deleted or no longer served meanwhile is not required to hold anything', () => {
    const after = [svc('ns/web', [], false)];
    expect(scopedIpProblems(after, pools, { placed: ['ns/pending'], held: heldIps(before) })).toEqual([]);
  });

  it('a Service created by someone else during the run is not checked', () => {
    const after = [...before, svc('ns/newcomer', [])];
    expect(scopedIpProblems(after, pools, { placed: [], held: heldIps(before) })).toEqual([]);
  });
});

describe('untouchedReport', () => {
  it('reports pending and orphaned Services from before, and IP changes on Services the run did not change', () => {
    const after = [...before, svc('ns/newcomer', ['192.0.2.5'])];
    expect(untouchedReport({ services: before, pools }, after, [])).toEqual([
      'pending before the run, left alone: ns/pending',
      'holding an IP in no pool before the run, left alone: ns/stray',
      'IP changed during the run, on a Service this run did not change: ns/newcomer <none> -> 192.0.2.5',
    ]);
  });

  it('leaves out what the run touched, and orphans when the pools are not known', () => {
    expect(untouchedReport({ services: before, pools: null }, before, ['ns/pending'])).toEqual([]);
  });
});
