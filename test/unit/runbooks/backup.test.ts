import { describe, expect, it } from 'vitest';
import {
  cleanManifest,
  creationOrder,
  deletionOrder,
  entryRef,
  hasSecretFields,
  passwordStashName,
  referencedSecrets,
  sameSpec,
  sameSpecAsBackup,
  secretFieldsOf,
  stashRunLabel,
  type BackupEntry,
} from '../../../domain/runbooks/backup.js';
import { backupYaml } from '../../../client/commands/fix-backup.js';

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

describe('credentials never enter a backup', () => {
  const password = 'hunter2-never-in-history';
  const peer = {
    apiVersion: 'metallb.io/v1beta2',
    kind: 'BGPPeer',
    metadata: {
      name: 'peer1',
      namespace: 'metallb-system',
      annotations: {
        'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify({ spec: { password } }),
        note: 'keep',
      },
    },
    spec: { myASN: 64512, peerASN: 64513, peerAddress: '192.0.2.1', password },
  };

  it('drops an inline BGPPeer password and last-applied-configuration, and records only which field held it', () => {
    const manifest = cleanManifest(peer);
    expect(JSON.stringify(manifest)).not.toContain(password);
    expect(manifest.metadata.annotations).toEqual({ note: 'keep' });
    expect(manifest.spec).toEqual({ myASN: 64512, peerASN: 64513, peerAddress: '192.0.2.1' });
    expect(secretFieldsOf(peer)).toEqual(['password']);
    expect(secretFieldsOf({ ...peer, spec: { ...peer.spec, password: '' } })).toEqual([]);
    expect(secretFieldsOf({ ...peer, kind: 'IPAddressPool' })).toEqual([]);
  });

  it('compares a live peer with its backup without the password, and knows when the password went missing', () => {
    const backedUp = { ...entry('BGPPeer', 'peer1'), secretFields: ['password'] };
    const live = peer.spec;
    const { password: _password, ...withoutPassword } = live;
    expect(sameSpecAsBackup(backedUp, live, cleanManifest(peer).spec)).toBe(true);
    expect(hasSecretFields(backedUp, live)).toBe(true);
    expect(hasSecretFields(backedUp, withoutPassword)).toBe(false);
    expect(hasSecretFields(entry('BGPPeer', 'peer1'), withoutPassword)).toBe(true);
  });

  it('names the password stash after the run and the peer: stable, distinct, a valid Secret name', () => {
    const name = passwordStashName('metallb-change.lab/run-1', 'peer1');
    expect(name).toBe(passwordStashName('metallb-change.lab/run-1', 'peer1'));
    expect(name).not.toBe(passwordStashName('metallb-change.lab/run-2', 'peer1'));
    expect(name).not.toBe(passwordStashName('metallb-change.lab/run-1', 'peer2'));
    expect(name).toMatch(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/);
    expect(stashRunLabel('metallb-change.lab/run-1')).toMatch(/^[0-9a-f]{8}$/);
  });

  it('writes --backup-file YAML without a password even from a backup recorded before redaction existed', () => {
    const old = { ...entry('BGPPeer', 'peer1'), manifest: peer as unknown as BackupEntry['manifest'] };
    const yaml = backupYaml({ namespace: 'metallb-system', exportedAt: 'then', objects: [old], secrets: [] }, 'test');
    expect(yaml).not.toContain(password);
    expect(yaml).not.toContain('last-applied-configuration');
    expect(yaml).toContain('# Inline passwords (not included, they stay on the cluster): BGPPeer/peer1');
  });
});
