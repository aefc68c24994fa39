import { describe, expect, it } from 'vitest';
import {
  cleanManifest,
  creationOrder,
  deletionOrder,
  entryRef,
  referencedSecrets,
  sameSpec,
  type BackupEntry,
} from '../../../domain/runbooks/backup.js';

const entry = (kind: BackupEntry['kind'], name: string): BackupEntry => ({
  kind,
  plural: kind.toLowerCase(),
  version: 'v1beta1',
  name,
  namespace: 'metallb-system',
  uid: `uid-${name}`,
  resourceVersion: '1',
  manifest: { apiVersion: 'metallb.io/v1beta1', kind, metadata: { name, namespace: 'metallb-system' }, spec: {} },
});

describe('cleanManifest', () => {
  it('keeps identity, labels, annotations, spec and non-pod owners; drops every server-set field', () => {
    const raw = {
      apiVersion: 'metallb.io/v1beta1',
      kind: 'IPAddressPool',
      metadata: {
        name: 'p1',
        namespace: 'metallb-system',
        uid: 'u',
        resourceVersion: '42',
        generation: 3,
        creationTimestamp: '2026-01-01T00:00:00Z',
        managedFields: [{ manager: 'kubectl' }],
        labels: { tier: 'edge' },
        annotations: { note: 'keep' },
        ownerReferences: [
          { apiVersion: 'v1', kind: 'Pod', name: 'controller-x', uid: 'p' },
          { apiVersion: 'example.com/v1', kind: 'Installation', name: 'metallb', uid: 'i' },
        ],
      },
      spec: { addresses: ['192.0.2.0/28'] },
      status: { assignedIPv4: 1 },
    };
    expect(cleanManifest(raw)).toEqual({
      apiVersion: 'metallb.io/v1beta1',
      kind: 'IPAddressPool',
      metadata: {
        name: 'p1',
        namespace: 'metallb-system',
        labels: { tier: 'edge' },
        annotations: { note: 'keep' },
        ownerReferences: [{ apiVersion: 'example.com/v1', kind: 'Installation', name: 'metallb', uid: 'i' }],
      },
      spec: { addresses: ['192.0.2.0/28'] },
    });
  });

  it('omits empty labels, annotations and owners', () => {
    const m = cleanManifest({
      apiVersion: 'v',
      kind: 'K',
      metadata: { name: 'n', namespace: 'ns', labels: {}, annotations: null, ownerReferences: [] },
    });
    expect(m.metadata).toEqual({ name: 'n', namespace: 'ns' });
    expect('spec' in m).toBe(false);
  });
});

describe('ordering', () => {
  const entries = [
    entry('L2Advertisement', 'l2'),
    entry('IPAddressPool', 'b'),
    entry('BGPPeer', 'peer'),
    entry('IPAddressPool', 'a'),
    entry('BFDProfile', 'bfd'),
    entry('BGPAdvertisement', 'bgp'),
    entry('Community', 'c'),
  ];

  it('creates what others refer to first', () => {
    expect(creationOrder(entries).map(entryRef)).toEqual([
      'Community/c',
      'BFDProfile/bfd',
      'IPAddressPool/a',
      'IPAddressPool/b',
      'BGPPeer/peer',
      'L2Advertisement/l2',
      'BGPAdvertisement/bgp',
    ]);
  });

  it('deletes advertisements before peers before pools', () => {
    expect(deletionOrder(entries).map(entryRef)).toEqual([
      'BGPAdvertisement/bgp',
      'L2Advertisement/l2',
      'BGPPeer/peer',
      'IPAddressPool/b',
      'IPAddressPool/a',
      'BFDProfile/bfd',
      'Community/c',
    ]);
  });
});

describe('sameSpec', () => {
  it('ignores key order but not values or list order', () => {
    expect(sameSpec({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 })).toBe(true);
    expect(sameSpec({ a: [1, 2] }, { a: [2, 1] })).toBe(false);
    expect(sameSpec({ autoAssign: false }, {})).toBe(false);
    expect(sameSpec(undefined, {})).toBe(true);
  });
});

describe('referencedSecrets', () => {
  it('names each peer password Secret, never its content', () => {
    const peers = [
      { metadata: { name: 'peer1' }, spec: { passwordSecret: { name: 'bgp-auth' } } },
      { metadata: { name: 'peer2' }, spec: {} },
    ];
    expect(referencedSecrets(peers, 'metallb-system')).toEqual([
      { namespace: 'metallb-system', name: 'bgp-auth', usedBy: 'BGPPeer/peer1' },
    ]);
  });
});
