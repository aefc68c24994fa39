import { describe, expect, it } from 'vitest';
import {
  explain,
  parseExplainTarget,
  type PoolExplanation,
  type ServiceExplanation,
} from '../../../domain/diagnose/explain.js';
import { renderExplanation } from '../../../domain/diagnose/explain-render.js';
import {
  ago,
  allocated,
  event,
  healthyCluster,
  installation,
  l2Adv,
  node,
  pool,
  service,
  snapshot,
} from './builders.js';

const svc = (objects: unknown[], key: string, logs = '') => {
  const [namespace, name] = key.split('/') as [string, string];
  return explain(snapshot(objects, { logs: { controller: logs } }), {
    kind: 'service',
    namespace,
    name,
  }) as ServiceExplanation;
};

const l2Status = (name: string, key: string, nodeName: string) => {
  const [serviceNamespace, serviceName] = key.split('/');
  return {
    apiVersion: 'metallb.io/v1beta1',
    kind: 'ServiceL2Status',
    metadata: { name, namespace: 'metallb-system' },
    spec: {},
    status: { node: nodeName, serviceName, serviceNamespace, interfaces: [{ name: 'eth0' }] },
  };
};

describe('explain targets', () => {
  it.each([
    ['svc/demo/web', { kind: 'service', namespace: 'demo', name: 'web' }],
    ['service/demo/web', { kind: 'service', namespace: 'demo', name: 'web' }],
    ['pool/demo-pool', { kind: 'pool', name: 'demo-pool' }],
    ['svc/web', null],
    ['deploy/x/y', null],
  ])('%s', (text, target) => expect(parseExplainTarget(text)).toEqual(target));
});

describe('explain svc/...', () => {
  it('a healthy Service: its pool, the advertisement and nodes announcing it, no root cause', () => {
    const objects = [...healthyCluster(), l2Status('l2-web', 'demo/web', 'node-2')];
    const e = svc(objects, 'demo/web');
    expect(e.state).toBe('healthy');
    expect(e.ips).toEqual([{ ip: '192.0.2.10', pool: 'demo-pool' }]);
    expect(e.poolSelection).toEqual({
      by: 'auto-assign',
      candidates: [{ pool: 'demo-pool', priority: null, autoAssign: true, allowed: true }],
    });
    expect(e.announcement).toEqual([
      {
        pool: 'demo-pool',
        advertisements: [{ kind: 'L2Advertisement', name: 'demo-l2', nodes: ['node-1', 'node-2', 'node-3'] }],
        announcedBy: [{ mode: 'L2', node: 'node-2', via: ['eth0'] }],
      },
    ]);
    expect(e.annotations).toEqual({ 'metallb.io/ip-allocated-from-pool': 'demo-pool' });
    expect(e.rootCause).toBeNull();
    expect(renderExplanation(e).split('\n').slice(0, 2)).toEqual(['Service demo/web: healthy', 'nothing wrong found']);
  });

  it('a pending Service: its event, the controller line naming it, the root cause and its fix', () => {
    const line = JSON.stringify({
      caller: 'service.go:150',
      error: 'no available IPs',
      level: 'error',
      msg: 'IP allocation failed',
      service: 'demo/late',
      ts: ago(30),
    });
    const objects = [
      ...installation(),
      pool('tiny', ['192.0.2.0/32']),
      l2Adv('l2', { ipAddressPools: ['tiny'] }),
      allocated('demo/web', ['192.0.2.0'], 'tiny'),
      service('demo/late'),
      event('demo/late', 'AllocationFailed', 'Failed to allocate IP for "demo/late": no available IPs', ago(30)),
    ];
    const e = svc(objects, 'demo/late', line);
    expect(e.state).toBe('pending');
    expect(e.ips).toEqual([]);
    expect(e.events.map((ev) => ev.reason)).toEqual(['AllocationFailed']);
    expect(e.logLines).toEqual([line]);
    expect(e.rootCause).toMatchObject({
      id: 'pool-exhausted',
      fix: { command: 'kubectl -n metallb-system edit ipaddresspool tiny' },
    });
  });

  it('an orphaned Service: the deleted pool is its root cause, with the cleanup-orphans command', () => {
    const objects = [
      ...installation(),
      pool('demo-pool', ['192.0.2.0/24']),
      l2Adv('l2'),
      allocated('demo/web', ['198.51.100.1'], 'gone'),
    ];
    const e = svc(objects, 'demo/web');
    expect(e.state).toBe('orphaned');
    expect(e.ips).toEqual([{ ip: '198.51.100.1', pool: null }]);
    expect(e.rootCause!.chain.map((f) => f.id)).toEqual(['pool-deleted', 'orphaned-ip']);
    expect(e.rootCause!.fix!.command).toBe('metallb-runbooks fix cleanup-orphans --service demo/web');
  });

  it('an unannounced Service: announced by a node the nodeSelectors exclude, and one no speaker announces', () => {
    const objects = [
      ...installation(),
      node('edge-1', { edge: 'true' }),
      pool('demo-pool', ['192.0.2.0/24']),
      l2Adv('edge-only', { ipAddressPools: ['demo-pool'], nodeSelectors: [{ matchLabels: { edge: 'true' } }] }),
      allocated('demo/web', ['192.0.2.1'], 'demo-pool'),
      allocated('demo/api', ['192.0.2.2'], 'demo-pool'),
      l2Status('l2-web', 'demo/web', 'node-1'),
    ];
    const web = svc(objects, 'demo/web');
    expect(web.state).toBe('problem');
    expect(web.rootCause).toMatchObject({ id: 'service-announced-from-excluded-node' });
    expect(web.announcement[0]!.advertisements).toEqual([
      { kind: 'L2Advertisement', name: 'edge-only', nodes: ['edge-1'] },
    ]);
    const api = svc(objects, 'demo/api');
    expect(api.state).toBe('unannounced');
    expect(api.rootCause).toMatchObject({
      id: 'service-not-announced',
      fix: { command: 'metallb-runbooks fix restart-speakers' },
    });
  });
});

describe('explain pool/...', () => {
  it('its capacity, the Services using it, who announces it, and whether the controller loaded it', () => {
    const e = explain(snapshot(healthyCluster()), { kind: 'pool', name: 'demo-pool' }) as PoolExplanation;
    expect(e.capacity.map((row) => [row.family, row.capacity, row.used])).toEqual([['IPv4', '256', '3']]);
    expect(e.services.map((s) => s.service).sort()).toEqual(['demo/api', 'demo/db', 'demo/web']);
    expect(e.advertisements.map((a) => a.name)).toEqual(['demo-l2']);
    expect(e.rootCause).toBeNull();
  });

  it('is null for a pool that does not exist', () => {
    expect(explain(snapshot(healthyCluster()), { kind: 'pool', name: 'nope' })).toBeNull();
  });
});
