import { describe, expect, it } from 'vitest';
import { communityError, shortestSummaryPrefix } from '../../../domain/diagnose/advertisements.js';
import { parsePoolEntry, type AddressInterval } from '../../../domain/addresses.js';
import {
  allocated,
  bgpAdv,
  bgpPeer,
  brief,
  community,
  installation,
  l2Adv,
  NS,
  ofCheck,
  pool,
  run,
} from './builders.js';

const adv = (kind: string, name: string) => ({ kind, namespace: NS, name });
const poolRef = (name: string) => ({ kind: 'IPAddressPool', namespace: NS, name });
const check = (objects: unknown[]) => ofCheck(run([...installation(), ...objects]), 'advertisements');

describe('advertisements vs pools', () => {
  it('an advertisement naming a pool that does not exist', () => {
    const findings = check([pool('a', ['192.0.2.0/24']), l2Adv('l2', { ipAddressPools: ['a', 'gone'] })]);
    expect(findings.map(brief)).toEqual([
      { id: 'advertisement-unknown-pool', severity: 'warning', objects: [adv('L2Advertisement', 'l2')], fix: null },
    ]);
    expect(findings[0]!.title).toBe('L2Advertisement l2 names IPAddressPool gone, which does not exist');
  });

  it('a pool selector matching no pool (and the pool is then unannounced)', () => {
    const findings = check([
      pool('a', ['192.0.2.0/24'], { labels: { tier: 'web' } }),
      l2Adv('l2', { ipAddressPoolSelectors: [{ matchLabels: { tier: 'db' } }] }),
    ]);
    expect(findings.map((f) => [f.id, f.severity])).toEqual([
      ['advertisement-selector-matches-no-pool', 'warning'],
      ['pool-not-advertised', 'warning'],
    ]);
    expect(findings[0]!.title).toBe(
      'L2Advertisement l2 selects pools by labels (tier=db) but no IPAddressPool matches',
    );
  });

  it('selectors with matchExpressions select pools', () => {
    const selector = { matchExpressions: [{ key: 'tier', operator: 'In', values: ['web', 'api'] }] };
    expect(
      check([
        pool('a', ['192.0.2.0/24'], { labels: { tier: 'web' } }),
        l2Adv('l2', { ipAddressPoolSelectors: [selector] }),
      ]),
    ).toEqual([]);
  });

  it('a pool no advertisement announces: error when Services hold IPs from it', () => {
    const objects = [
      pool('a', ['192.0.2.0/24']),
      pool('b', ['198.51.100.0/24']),
      l2Adv('l2', { ipAddressPools: ['a'] }),
      allocated('demo/web', ['198.51.100.5'], 'b'),
    ];
    const findings = check(objects);
    expect(findings.map(brief)).toEqual([
      {
        id: 'pool-not-advertised',
        severity: 'error',
        objects: [poolRef('b')],
        fix: 'kubectl -n metallb-system get l2advertisements,bgpadvertisements -o yaml',
      },
    ]);
    expect(findings[0]!.title).toBe(
      'IPAddressPool b is announced by no L2Advertisement or BGPAdvertisement: 1 Service(s) hold IPs from it that nobody can reach',
    );
  });

  it('an advertisement with neither pools nor selectors covers every pool', () => {
    expect(check([pool('a', ['192.0.2.0/24']), pool('b', ['198.51.100.0/24']), l2Adv('everything')])).toEqual([]);
  });

  it("an advertisement outside MetalLB's namespace does not count", () => {
    const findings = check([pool('a', ['192.0.2.0/24']), l2Adv('elsewhere', {}, 'default')]);
    expect(findings.map((f) => f.id)).toEqual(['pool-not-advertised']);
  });

  it('node selectors matching no node', () => {
    const findings = check([
      pool('a', ['192.0.2.0/24']),
      l2Adv('l2', { nodeSelectors: [{ matchLabels: { 'kubernetes.io/hostname': 'node-9' } }] }),
    ]);
    expect(findings.map(brief)).toEqual([
      {
        id: 'advertisement-selector-matches-no-node',
        severity: 'warning',
        objects: [adv('L2Advertisement', 'l2')],
        fix: null,
      },
    ]);
  });
});

describe('BGP advertisements', () => {
  it('peers that do not exist', () => {
    const findings = check([
      pool('a', ['192.0.2.0/24']),
      bgpPeer('peer1'),
      bgpAdv('bgp', { peers: ['peer1', 'peer2'] }),
    ]);
    expect(findings.map(brief)).toEqual([
      {
        id: 'bgp-advertisement-unknown-peer',
        severity: 'warning',
        objects: [adv('BGPAdvertisement', 'bgp')],
        fix: null,
      },
    ]);
  });

  it('communities: values, large values and aliases are fine; anything else is an error', () => {
    const objects = [
      pool('a', ['192.0.2.0/24']),
      community('aliases', [{ name: 'no-export', value: '65535:65281' }]),
      bgpAdv('bgp', { communities: ['65000:1', 'large:1:2:3', 'no-export', 'no-advertise', '70000:1'] }),
    ];
    const findings = check(objects);
    expect(findings.map(brief)).toEqual([
      {
        id: 'bgp-advertisement-invalid-community',
        severity: 'error',
        objects: [adv('BGPAdvertisement', 'bgp')],
        fix: 'metallb-runbooks fix reapply-config',
      },
      {
        id: 'bgp-advertisement-invalid-community',
        severity: 'error',
        objects: [adv('BGPAdvertisement', 'bgp')],
        fix: 'metallb-runbooks fix reapply-config',
      },
    ]);
    expect(findings.map((f) => f.data?.['error'])).toEqual([
      'invalid community value: 70000:1; invalid community "70000:1" in BGP advertisement',
      'invalid community format: no-advertise; invalid community "no-advertise" in BGP advertisement',
    ]);
  });

  it('an invalid Community alias value', () => {
    const findings = check([
      pool('a', ['192.0.2.0/24']),
      l2Adv('l2'),
      community('aliases', [{ name: 'bad', value: '1:2:3' }]),
    ]);
    expect(findings.map((f) => [f.id, f.severity])).toEqual([['community-alias-invalid', 'error']]);
  });

  it('aggregationLength shorter than the pool prefix, with MetalLB wording', () => {
    const findings = check([pool('a', ['192.0.2.0/24']), bgpAdv('bgp', { aggregationLength: 16 })]);
    expect(findings.map(brief)).toEqual([
      {
        id: 'bgp-aggregation-length-too-short',
        severity: 'error',
        objects: [adv('BGPAdvertisement', 'bgp'), poolRef('a')],
        fix: 'metallb-runbooks fix reapply-config',
      },
    ]);
    expect(findings[0]!.data?.['message']).toBe(
      'invalid aggregation length 16: prefix 24 in this pool is more specific than the aggregation length for addresses 192.0.2.0/24',
    );
    expect(findings[0]!.title).toBe(
      'BGPAdvertisement bgp has aggregationLength 16, shorter than prefix /24 of 192.0.2.0/24 in pool a',
    );
  });

  it('aggregationLengthV6 against IPv6 entries; a longer length is fine', () => {
    const findings = check([
      pool('a', ['2001:db8::/64', '192.0.2.0/24']),
      bgpAdv('bgp', { aggregationLength: 24, aggregationLengthV6: 48 }),
    ]);
    expect(findings.map((f) => f.title)).toEqual([
      'BGPAdvertisement bgp has aggregationLengthV6 48, shorter than prefix /64 of 2001:db8::/64 in pool a',
    ]);
  });
});

describe('helpers', () => {
  const interval = (text: string): AddressInterval => {
    const parsed = parsePoolEntry(text);
    if (!parsed.ok) throw new Error(parsed.error);
    return parsed.value;
  };
  it.each([
    ['192.0.2.0/24', 24],
    ['192.0.2.10-192.0.2.20', 30],
    ['192.0.2.0-192.0.2.255', 24],
    ['192.0.2.7/32', 32],
    ['2001:db8::/64', 64],
  ])('shortest summary prefix of %s is %d', (text, prefix) => {
    expect(shortestSummaryPrefix(interval(text))).toBe(prefix);
  });

  it.each([
    ['65000:1', null],
    ['large:1:2:3', null],
    ['65536:1', 'invalid community value: 65536:1'],
    ['large:1:2', 'invalid community format: large:1:2'],
    ['big:1:2:3', 'invalid community value: big:1:2:3'],
  ])('community %s', (value, error) => {
    expect(communityError(value)).toBe(error);
  });
});
