import { describe, expect, it } from 'vitest';
import { judgeClusterObjects } from '../../../domain/orphans-cluster.js';
import { refusalFor } from '../../../domain/runbooks/orphans.js';
import {
  allocated,
  event,
  healthyCluster,
  installation,
  l2Adv,
  namespace,
  NS,
  ago,
  pool,
  run,
  service,
} from './builders.js';

// Every `fix cleanup-orphans --service X` that diagnose can print must be accepted by the runbook's
// planning (the pure core of its finder activity) on the very same objects.
const base = [...installation(), l2Adv('all'), pool('main', ['192.0.2.0/24'])];
const team = (name: string, namespaces: string[]) =>
  pool(name, ['198.51.100.0/24'], { serviceAllocation: { namespaces } });

const scenarios: Record<string, unknown[]> = {
  'pool-deleted': [...base, allocated('demo/web', ['203.0.113.20'], 'gone-pool')],
  'pool-narrowed': [...base, allocated('demo/web', ['192.0.3.20'], 'main')],
  'pool-invalid': [...base, pool('broken', ['not-a-cidr']), allocated('demo/web', ['203.0.113.5'], 'broken')],
  'avoid-buggy-ips': [
    ...installation(),
    l2Adv('all'),
    pool('main', ['192.0.2.0/24'], { avoidBuggyIPs: true }),
    allocated('demo/web', ['192.0.2.0'], 'main'),
  ],
  'service-allocation by namespace': [
    ...base,
    team('team', ['payments']),
    allocated('demo/web', ['198.51.100.9'], 'team'),
  ],
  'service-allocation by selector': [
    ...base,
    namespace('payments', { team: 'payments' }),
    pool('sel', ['198.51.100.0/24'], { serviceAllocation: { serviceSelectors: [{ matchLabels: { app: 'pay' } }] } }),
    allocated('demo/web', ['198.51.100.9'], 'sel'),
  ],
  'split-across-pools': [
    ...base,
    pool('other', ['198.51.100.0/24']),
    allocated('demo/web', ['192.0.2.9', '198.51.100.9'], 'main'),
  ],
  'no-pool': [...base, service('demo/web', { ips: ['203.0.113.7'] })],
  'requested-ip-invalid': [...base, service('demo/web', { annotations: { 'metallb.io/loadBalancerIPs': 'nope' } })],
  'requested-ip-both-fields': [
    ...base,
    service('demo/web', { loadBalancerIP: '192.0.2.5', annotations: { 'metallb.io/loadBalancerIPs': '192.0.2.6' } }),
  ],
  'requested-ip-outside-pools (spec)': [...base, service('demo/web', { loadBalancerIP: '203.0.113.5' })],
  'requested-ip-outside-pools (annotation)': [
    ...base,
    service('demo/web', { annotations: { 'metallb.universe.tf/loadBalancerIPs': '203.0.113.5' } }),
  ],
  'requested-ip-pool-excludes-service': [
    ...base,
    team('team', ['payments']),
    service('demo/web', { loadBalancerIP: '198.51.100.5' }),
  ],
  'requested-ip-pool-mismatch': [
    ...base,
    pool('other', ['198.51.100.0/24']),
    service('demo/web', { loadBalancerIP: '198.51.100.5', annotations: { 'metallb.io/address-pool': 'main' } }),
  ],
  'requested-ip-in-use': [
    ...base,
    allocated('demo/api', ['192.0.2.5'], 'main'),
    service('demo/web', { loadBalancerIP: '192.0.2.5' }),
  ],
  'address-pool-missing': [...base, service('demo/web', { annotations: { 'metallb.io/address-pool': 'gone' } })],
  'deprecated-pool-annotation-stale': [
    ...base,
    allocated('demo/web', ['192.0.2.8'], 'main', {
      annotations: { 'metallb.universe.tf/ip-allocated-from-pool': 'gone' },
    }),
  ],
  'ip-shared-without-agreement': [
    ...base,
    allocated('demo/api', ['192.0.2.5'], 'main'),
    allocated('demo/web', ['192.0.2.5'], 'main'),
  ],
  'pending, unknown pool': [
    ...base,
    service('demo/web', { annotations: { 'metallb.io/address-pool': 'gone' } }),
    event('demo/web', 'AllocationFailed', 'Failed to allocate IP for "demo/web": unknown pool "gone"', ago(60)),
  ],
  'pending, request not allowed': [
    ...base,
    service('demo/web', { loadBalancerIP: '203.0.113.9' }),
    event(
      'demo/web',
      'AllocationFailed',
      'Failed to allocate IP for "demo/web": ["203.0.113.9"] is not allowed in config',
      ago(60),
    ),
  ],
};

const cleanupTargets = (objects: unknown[]): string[] =>
  run(objects)
    .findings.flatMap((f) => (f.fix?.runbook === 'cleanup-orphans' ? [f.fix.command] : []))
    .map((command) => /--service (\S+)$/.exec(command)![1]!);

const refusal = (objects: unknown[], key: string) =>
  refusalFor(
    judgeClusterObjects(objects, { namespace: NS, lbClass: null }).find((v) => v.service === key),
    key,
  );

describe('every cleanup-orphans command diagnose prints is accepted by the runbook on the same state', () => {
  it.each(Object.entries(scenarios))('%s', (_name, objects) => {
    const targets = cleanupTargets(objects);
    expect(targets).toContain('demo/web');
    for (const key of new Set(targets)) expect(refusal(objects, key), key).toBeNull();
  });

  it('prints none on a healthy cluster, where the runbook refuses every Service', () => {
    expect(cleanupTargets(healthyCluster())).toEqual([]);
    expect(refusal(healthyCluster(), 'demo/web')).toMatch(/is healthy/);
  });

  it('does not point a pending Service at cleanup-orphans when the event is older than the fix', () => {
    const objects = [
      ...base,
      service('demo/web'),
      event('demo/web', 'AllocationFailed', 'Failed to allocate IP for "demo/web": unknown pool "gone"', ago(60)),
    ];
    expect(cleanupTargets(objects)).toEqual([]);
    expect(refusal(objects, 'demo/web')).toMatch(/has no IP yet/);
  });
});
