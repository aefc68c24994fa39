import { describe, expect, it } from 'vitest';
import {
  coverage,
  describeCall,
  describeGrant,
  grantsOf,
  parseAuditLog,
  type ApiCall,
} from '../../../domain/rbac/coverage.js';

const clusterRole = {
  kind: 'ClusterRole',
  metadata: { name: 'reader' },
  rules: [{ apiGroups: [''], resources: ['services'], verbs: ['list'] }],
};
const role = {
  kind: 'Role',
  metadata: { name: 'restarter', namespace: 'metallb-system' },
  rules: [
    { apiGroups: ['apps'], resources: ['deployments'], resourceNames: ['controller'], verbs: ['get', 'patch'] },
    { apiGroups: [''], resources: ['services'], verbs: ['list'] },
  ],
};
/** `verb group/resource [namespace] [name]`, as the API server would authorize it. */
const call = (verb: string, target: string, namespace: string | null, name = ''): ApiCall => {
  const [group, resource] = target.includes('/') && !target.startsWith('/') ? target.split('/') : ['', target];
  return { verb, group: group!, resource: resource!, namespace, name };
};

describe('RBAC coverage of recorded calls', () => {
  const grants = grantsOf([clusterRole, role, { kind: 'ConfigMap', metadata: { name: 'x' } }]);

  it('expands every rule into one grant per group, resource and verb', () => {
    expect(grants.map(describeGrant)).toEqual([
      'ClusterRole/reader: list services',
      'Role/metallb-system/restarter: get apps/deployments [controller]',
      'Role/metallb-system/restarter: patch apps/deployments [controller]',
      'Role/metallb-system/restarter: list services',
    ]);
  });

  it('matches as RBAC does: a Role only in its namespace, resourceNames only for that name', () => {
    const result = coverage(
      [
        call('list', 'services', null),
        call('patch', 'apps/deployments', 'metallb-system', 'controller'),
        call('patch', 'apps/deployments', 'metallb-system', 'other'),
        call('patch', 'apps/deployments', 'kube-system', 'controller'),
      ],
      grants,
    );
    expect(result.uncovered.map(describeCall)).toEqual([
      'patch apps/deployments other in metallb-system',
      'patch apps/deployments controller in kube-system',
    ]);
    expect(result.unused.map(describeGrant)).toEqual([
      'Role/metallb-system/restarter: get apps/deployments [controller]',
      'Role/metallb-system/restarter: list services',
    ]);
  });

  it('a grant whose every call another grant allows too is redundant', () => {
    const result = coverage([call('list', 'services', 'metallb-system')], grants);
    expect(result.redundant.map(describeGrant)).toEqual([
      'ClusterRole/reader: list services',
      'Role/metallb-system/restarter: list services',
    ]);
  });

  it('reads the resource requests of an audit log with the decision, leaving out non-resource URLs', () => {
    const line = (extra: Record<string, unknown>) =>
      JSON.stringify({
        stage: 'ResponseComplete',
        verb: 'get',
        user: { username: 'system:serviceaccount:a:b' },
        stageTimestamp: '2026-12-02T00:00:00Z',
        ...extra,
      });
    const text = [
      line({
        objectRef: { resource: 'pods', subresource: 'log', namespace: 'metallb-system', name: 'speaker-1' },
        annotations: { 'authorization.k8s.io/decision': 'allow', 'authorization.k8s.io/reason': 'RBAC: x' },
      }),
      line({ objectRef: { resource: 'secrets', namespace: 'x' }, annotations: {} }),
      line({ requestURI: '/api' }),
      // A watch still running: logged at ResponseStarted, its ResponseComplete comes when it ends.
      line({
        stage: 'ResponseStarted',
        verb: 'watch',
        objectRef: { apiGroup: 'metallb.io', resource: 'ipaddresspools', namespace: 'metallb-system' },
        annotations: { 'authorization.k8s.io/decision': 'allow', 'authorization.k8s.io/reason': 'RBAC: y' },
      }),
      line({ stage: 'RequestReceived', objectRef: { resource: 'nodes' } }),
      '',
    ].join('\n');
    const audited = parseAuditLog(text);
    expect(audited.map((entry) => [describeCall(entry.call), entry.allowed])).toEqual([
      ['get pods/log speaker-1 in metallb-system', true],
      ['get secrets in x', false],
      ['watch metallb.io/ipaddresspools in metallb-system', true],
    ]);
  });
});
