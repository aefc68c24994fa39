import { describe, expect, it } from 'vitest';
import { allocated, configurationState, healthyCluster, installation, l2Adv, pool, run, withId } from './builders.js';
import { announcementsByPool } from '../../../domain/diagnose/announcements.js';

// ServiceL2Status as a speaker writes it (metallb.io/v1beta1, status subresource).
const l2Status = (name: string, key: string, node: string) => {
  const [serviceNamespace, serviceName] = key.split('/');
  return {
    apiVersion: 'metallb.io/v1beta1',
    kind: 'ServiceL2Status',
    metadata: { name, namespace: 'metallb-system' },
    spec: {},
    status: { node, serviceName, serviceNamespace, interfaces: [{ name: 'eth0' }] },
  };
};

describe('announcement evidence by MetalLB version', () => {
  it.each([
    ['v0.16.1', 'reliable', 'available', 'Announcement evidence: ServiceL2Status (reliable) and ServiceBGPStatus.'],
    [
      'v0.14.5',
      'unreliable',
      'not-available',
      'Announcement evidence: ServiceL2Status (unreliable before 0.14.6) and speaker logs for BGP ' +
        '(ServiceBGPStatus from 0.15.0).',
    ],
    [
      'v0.13.12',
      'not-available',
      'not-available',
      'MetalLB < 0.14.4 writes no announcement status: only the speaker logs show which node announces.',
    ],
  ])('%s', (version, l2, bgp, note) => {
    const report = run(healthyCluster({ version }));
    expect(report.announcement).toMatchObject({ serviceL2Status: l2, serviceBGPStatus: bgp, note });
  });

  it('lists the speakers ConfigurationStates per node', () => {
    const report = run([...healthyCluster(), configurationState('speaker-node-1', 'Invalid', 'bad community')]);
    expect(report.announcement.speakerStates).toEqual([
      { node: 'node-1', result: 'Invalid', errorSummary: 'bad community' },
    ]);
  });
});

describe('Services with an IP but no announcement', () => {
  it('skips the check while no speaker writes any status (fake speakers, older builds)', () => {
    expect(withId(run(healthyCluster()), 'service-not-announced')).toEqual([]);
  });

  it('reports the Services no status names once the speakers write them', () => {
    const report = run([...healthyCluster(), l2Status('l2-web', 'demo/web', 'node-1')]);
    expect(
      withId(report, 'service-not-announced')
        .map((f) => f.objects[0]!.name)
        .sort(),
    ).toEqual(['api', 'db']);
  });

  it('reports a Service announced from a node the nodeSelectors exclude', () => {
    const report = run([
      ...installation(),
      pool('demo-pool', ['192.0.2.0/24']),
      l2Adv('only-2', {
        ipAddressPools: ['demo-pool'],
        nodeSelectors: [{ matchLabels: { 'kubernetes.io/hostname': 'node-2' } }],
      }),
      allocated('demo/web', ['192.0.2.1'], 'demo-pool'),
      l2Status('l2-web', 'demo/web', 'node-1'),
    ]);
    const [finding] = withId(report, 'service-announced-from-excluded-node');
    expect(finding!.title).toBe(
      'Service demo/web is announced (L2) from node-1, which the nodeSelectors of only-2 exclude',
    );
  });
});

describe('announcementsByPool', () => {
  type View = Parameters<typeof announcementsByPool>[0][number];
  const view = (name: string, kind: string, pools: string[]): View =>
    ({ adv: { kind }, ref: { kind, name }, all: pools.length === 0, pools: pools.map((p) => ({ name: p })) }) as never;
  const views = [
    view('every-pool', 'L2Advertisement', []),
    view('b', 'L2Advertisement', ['p1', 'p2']),
    view('c', 'BGPAdvertisement', ['p2', 'p2']),
    view('d', 'L2Advertisement', ['p3']),
  ];
  const names = (list: readonly View[]) => list.map((v) => v.ref.name);

  it('gives each pool the advertisements naming or selecting it, once each, in their order', () => {
    const announcementFor = announcementsByPool(views);
    const p2 = announcementFor('p2');
    expect([names(p2.l2), names(p2.bgp)]).toEqual([['every-pool', 'b'], ['c']]);
    expect(names(announcementFor('p3').l2)).toEqual(['every-pool', 'd']);
    expect(names(announcementFor('unnamed').l2)).toEqual(['every-pool']);
  });
});
