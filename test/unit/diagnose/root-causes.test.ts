import { describe, expect, it } from 'vitest';
import { renderHuman } from '../../../domain/diagnose/render.js';
import type { DiagnosisReport, Finding } from '../../../domain/diagnose/report.js';
import {
  ago,
  allocated,
  configurationState,
  event,
  healthyCluster,
  installation,
  l2Adv,
  namespace,
  pool,
  run,
  service,
  withId,
} from './builders.js';

type Obj = Record<string, unknown>;
const created = (object: Obj, seconds: number): Obj => {
  (object['metadata'] as Obj)['creationTimestamp'] = ago(seconds);
  return object;
};
const loaded = (assigned: number, available: number) => ({ assignedIPv4: assigned, availableIPv4: available });
const zeros = { assignedIPv4: 0, availableIPv4: 0, assignedIPv6: 0, availableIPv6: 0 };
const parseError = (ts: string) =>
  JSON.stringify({
    caller: 'pool_controller.go:94',
    controller: 'PoolReconciler',
    error: 'CIDR "203.0.113.0/24" in pool "extra-pool" overlaps with already defined CIDR "203.0.113.0/28"',
    level: 'error',
    ts,
  });

/** "id -> causedBy id" for every finding, and the root causes' keys. */
function links(report: DiagnosisReport): string[] {
  const byKey = new Map(report.findings.map((f) => [f.key, f]));
  return report.findings
    .filter((f) => f.severity !== 'info' || f.causedBy !== null)
    .map((f) => `${f.id} -> ${f.causedBy === null ? '(root)' : byKey.get(f.causedBy)!.id}`)
    .sort();
}
const consequencesOf = (report: DiagnosisReport, root: Finding) =>
  report.findings.filter((f) => f.causedBy === root.key);

// The lab: demo-pool served demo/web, then extra-pool (overlapping, for another namespace) and
// new-pool arrived with the webhook off; the controller rejected the configuration from then on.
function overlapCluster(): Obj[] {
  return [
    ...installation(),
    namespace('other'),
    created(pool('demo-pool', ['203.0.113.0/28'], { status: loaded(1, 15) }), 3600),
    created(
      pool('extra-pool', ['203.0.113.0/24'], { serviceAllocation: { namespaces: ['other'] }, status: zeros }),
      300,
    ),
    created(pool('new-pool', ['198.51.100.0/28'], { status: zeros }), 200),
    l2Adv('all'),
    configurationState(
      'controller',
      'Invalid',
      'configuration error: CIDR "203.0.113.0/24" in pool "extra-pool" overlaps with already defined CIDR',
      ago(300),
    ),
    allocated('demo/web', ['203.0.113.0'], 'demo-pool'),
    created(service('demo/new', { annotations: { 'metallb.io/address-pool': 'new-pool' } }), 100),
    event('demo/new', 'AllocationFailed', 'Failed to allocate IP for "demo/new": unknown pool "new-pool"', ago(90)),
  ];
}

describe('root causes: a rejected configuration', () => {
  const report = run(overlapCluster(), {
    logs: { controller: [parseError(ago(290)), parseError(ago(20))].join('\n') },
  });

  it('groups unloaded pools, parse errors, ConfigurationState Invalid and the pending Service under it', () => {
    const [overlap] = withId(report, 'pool-overlap');
    expect(overlap!.causedBy).toBeNull();
    expect(links(report)).toEqual([
      'configuration-state-invalid -> pool-overlap',
      'controller-config-parse-error -> pool-overlap',
      'pool-not-loaded -> pool-overlap',
      'pool-not-loaded -> pool-overlap',
      'pool-overlap -> (root)',
      'service-pending -> pool-overlap',
    ]);
    expect(report.summary.rootCauses).toEqual([
      { key: overlap!.key, headline: 'overlapping pools demo-pool and extra-pool', severity: 'error', consequences: 5 },
    ]);
    expect(report.summary).toMatchObject({ problems: 1, consequences: 5 });
  });

  it('names the fix that clears the group: delete the pool the controller never loaded', () => {
    const [overlap] = withId(report, 'pool-overlap');
    expect(overlap!.fix).toMatchObject({
      runbook: 'manual',
      command: 'kubectl -n metallb-system delete ipaddresspool extra-pool',
    });
  });

  it('does not attribute demo/web to extra-pool: its IP is from demo-pool, as its annotation says', () => {
    expect(report.findings.filter((f) => f.objects.some((o) => o.name === 'web'))).toEqual([]);
  });

  it('the human report leads with the root cause, its consequences indented beneath', () => {
    const lines = renderHuman(report, { color: false }).split('\n');
    expect(lines[1]).toBe('1 problem (overlapping pools demo-pool and extra-pool) causing 5 findings');
    expect(lines[3]).toBe('ROOT CAUSES (1)');
    expect(lines[4]).toMatch(/^✗ IPAddressPools .* overlap: .* \[pool-overlap\]$/);
    const consequences = lines.filter((l) => l.startsWith('      ↳ '));
    expect(consequences).toHaveLength(5);
    expect(lines.indexOf(consequences[0]!)).toBeGreaterThan(lines.findIndex((l) => l.startsWith('    fix: kubectl')));
  });

  it('keys are unique', () => {
    expect(new Set(report.findings.map((f) => f.key)).size).toBe(report.findings.length);
  });
});

describe('root causes: the controller', () => {
  it('a controller that shows available but loads nothing groups the unprocessed pool and the pending Service', () => {
    const report = run([
      ...healthyCluster(),
      created(pool('late-pool', ['198.51.100.0/28']), 60),
      l2Adv('late', { ipAddressPools: ['late-pool'] }),
      configurationState('controller', 'Valid'),
      created(service('demo/waiting'), 30),
    ]);
    const [root] = withId(report, 'controller-not-processing');
    expect(root).toMatchObject({
      severity: 'error',
      causedBy: null,
      fix: { command: 'metallb-runbooks fix restart-controller' },
    });
    expect(root!.title).toBe(
      'The MetalLB controller is running but processes no change: pool late-pool has no status and Service ' +
        'demo/waiting has no IP and no event',
    );
    expect(
      consequencesOf(report, root!)
        .map((f) => f.id)
        .sort(),
    ).toEqual(['pool-not-loaded', 'service-pending']);
    expect(report.summary.rootCauses.map((r) => r.headline)).toEqual(['controller not processing changes']);
  });

  it('a Service the controller answered with an event is not evidence of a hung controller', () => {
    const report = run([
      ...healthyCluster(),
      created(service('demo/waiting', { loadBalancerIP: '203.0.113.9' }), 30),
      event(
        'demo/waiting',
        'AllocationFailed',
        'Failed to allocate IP for "demo/waiting": ["203.0.113.9"] is not allowed in config',
        ago(29),
      ),
    ]);
    expect(withId(report, 'controller-not-processing')).toEqual([]);
  });
});

describe('root causes: a deleted pool', () => {
  it('groups its orphans and every reference to it, with one cleanup-orphans command for all of them', () => {
    const report = run([
      ...installation(),
      pool('demo-pool', ['192.0.2.0/24']),
      l2Adv('demo-l2', { ipAddressPools: ['demo-pool', 'gone-pool'] }),
      allocated('demo/a', ['198.51.100.1'], 'gone-pool'),
      allocated('demo/b', ['198.51.100.2'], 'gone-pool', { annotations: { 'metallb.io/address-pool': 'gone-pool' } }),
      allocated('demo/ok', ['192.0.2.1'], 'demo-pool'),
    ]);
    const [root] = withId(report, 'pool-deleted');
    expect(root!.title).toBe('IPAddressPool gone-pool no longer exists, but demo/a and demo/b still hold IPs from it');
    expect(root!.fix!.command).toBe('metallb-runbooks fix cleanup-orphans --service demo/a --service demo/b');
    expect(
      consequencesOf(report, root!)
        .map((f) => f.id)
        .sort(),
    ).toEqual(['address-pool-missing', 'advertisement-unknown-pool', 'orphaned-ip', 'orphaned-ip']);
    expect(report.summary.problems).toBe(1);
  });
});

describe('root causes: an unannounced pool', () => {
  it('explains the Services holding its IPs, which nobody can reach', () => {
    const report = run([
      ...installation(),
      pool('demo-pool', ['192.0.2.0/24']),
      pool('dark', ['198.51.100.0/28']),
      l2Adv('demo-l2', { ipAddressPools: ['demo-pool'] }),
      allocated('demo/lit', ['192.0.2.1'], 'demo-pool'),
      allocated('demo/unlit', ['198.51.100.1'], 'dark'),
    ]);
    const [root] = withId(report, 'pool-not-advertised');
    expect(consequencesOf(report, root!).map((f) => [f.id, f.objects[0]!.name])).toEqual([
      ['service-not-announced', 'unlit'],
    ]);
  });
});

describe('a healthy cluster', () => {
  it('has no problem, and every finding is its own root', () => {
    const report = run(healthyCluster());
    expect(report.summary).toMatchObject({ problems: 0, consequences: 0, rootCauses: [] });
    expect(renderHuman(report, { color: false }).split('\n')[1]).not.toMatch(/problem/);
  });
});
