import { describe, expect, it } from 'vitest';
import {
  ago,
  allocated,
  brief,
  controllerDeployment,
  event,
  installation,
  l2Adv,
  ofCheck,
  pool,
  run,
  service,
} from './builders.js';

const web = { kind: 'Service', namespace: 'demo', name: 'web' };

describe('pending Services', () => {
  it('names the latest AllocationFailed event and points an exhausted pool at the pool', () => {
    const objects = [
      ...installation(),
      l2Adv('all'),
      pool('tiny', ['192.0.2.10/32']),
      allocated('demo/api', ['192.0.2.10'], 'tiny'),
      service('demo/web'),
      event('demo/web', 'AllocationFailed', 'Failed to allocate IP for "demo/web": no available IPs', ago(300)),
      event('demo/web', 'AllocationFailed', 'Failed to allocate IP for "demo/web": no available IPs', ago(30)),
      event('demo/web', 'Scheduled', 'unrelated', ago(10), 'Normal'),
    ];
    const report = run(objects);
    const findings = ofCheck(report, 'pending-services');
    expect(findings.map(brief)).toEqual([
      {
        id: 'service-pending',
        severity: 'error',
        objects: [web],
        fix: 'kubectl -n metallb-system edit ipaddresspool tiny',
      },
    ]);
    expect(findings[0]!.title).toBe(
      `Service demo/web has no external IP (last event AllocationFailed at ${ago(30)}: Failed to allocate IP for "demo/web": no available IPs)`,
    );
    expect(findings[0]!.data).toMatchObject({
      cause: 'pool-exhausted',
      event: { reason: 'AllocationFailed', time: ago(30) },
    });
    // The capacity check says the same pool is exhausted, as an error because a Service waits.
    expect(ofCheck(report, 'capacity').map(brief)).toEqual([
      {
        id: 'pool-exhausted',
        severity: 'error',
        objects: [{ kind: 'IPAddressPool', namespace: 'metallb-system', name: 'tiny' }],
        fix: 'kubectl -n metallb-system edit ipaddresspool tiny',
      },
    ]);
  });

  it('unknown pool → cleanup-orphans (requests)', () => {
    const objects = [
      ...installation(),
      l2Adv('all'),
      pool('demo-pool', ['192.0.2.0/24']),
      service('demo/web', { annotations: { 'metallb.io/address-pool': 'gone' } }),
      event('demo/web', 'AllocationFailed', 'Failed to allocate IP for "demo/web": unknown pool "gone"', ago(5)),
    ];
    const [finding] = ofCheck(run(objects), 'pending-services');
    expect(finding!.data).toMatchObject({ cause: 'unknown-pool' });
    expect(finding!.fix?.command).toBe('metallb-runbooks fix cleanup-orphans --service demo/web');
  });

  it('no pools at all', () => {
    const [finding] = ofCheck(run([...installation(), service('demo/web')]), 'pending-services');
    expect(finding!.data).toMatchObject({ cause: 'no-pools', event: null });
    expect(finding!.title).toBe('Service demo/web has no external IP (no MetalLB event)');
  });

  it('controller down and no event → restart-controller', () => {
    const objects = [
      ...installation().filter((o) => o['kind'] !== 'Deployment'),
      controllerDeployment({ available: 0 }),
      l2Adv('all'),
      pool('p', ['192.0.2.0/24']),
      service('demo/web'),
    ];
    const [finding] = ofCheck(run(objects), 'pending-services');
    expect(finding!.data).toMatchObject({ cause: 'controller-down' });
    expect(finding!.fix?.command).toBe('metallb-runbooks fix restart-controller');
  });

  it('ClearAssignment is read too; Services with an IP or of another class are not pending', () => {
    const objects = [
      ...installation(),
      l2Adv('all'),
      pool('p', ['192.0.2.0/24']),
      service('demo/web'),
      event(
        'demo/web',
        'ClearAssignment',
        'current IP for "demo/web" not allowed by config, will attempt for new IP assignment: ["198.51.100.7"] is not allowed in config',
        ago(20),
        'Normal',
      ),
      allocated('demo/api', ['192.0.2.1'], 'p'),
      service('demo/other', { loadBalancerClass: 'example.com/other' }),
    ];
    const findings = ofCheck(run(objects), 'pending-services');
    expect(findings.map((f) => f.objects[0]!.name)).toEqual(['web']);
    expect(findings[0]!.data).toMatchObject({ cause: 'request-not-allowed', event: { reason: 'ClearAssignment' } });
  });
});
