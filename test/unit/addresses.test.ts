import { IPv4, IPv4CidrRange, IPv4Prefix, IPv6, IPv6CidrRange, IPv6Prefix } from 'ip-num';
import { describe, expect, it } from 'vitest';
import {
  buildPoolIndex,
  findOverlaps,
  formatIp,
  isBuggyIp,
  parseIp,
  parseIpCanonical,
  parsePoolAddresses,
  parsePoolEntry,
  poolCapacity,
  type AddressInterval,
  type PoolAddresses,
} from '../../domain/addresses.js';

const entry = (text: string): AddressInterval => {
  const parsed = parsePoolEntry(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.value;
};

const entryError = (text: string): string => {
  const parsed = parsePoolEntry(text);
  if (parsed.ok) throw new Error(`expected ${text} to be rejected`);
  return parsed.error;
};

const pool = (name: string, addresses: readonly string[], avoidBuggyIPs = false): PoolAddresses => ({
  name,
  intervals: addresses.map(entry),
  avoidBuggyIPs,
});

const capacityOf = (addresses: readonly string[], avoidBuggyIPs = false) =>
  poolCapacity(addresses.map(entry), avoidBuggyIPs);

const ip = (text: string): bigint => parseIp(text)!.value;

describe('parseIp', () => {
  it('parses IPv4 and IPv6 to bigint values', () => {
    expect(parseIp('192.0.2.1')).toEqual({ family: 'IPv4', value: 0xc0000201n });
    expect(parseIp('2001:db8::1')).toEqual({ family: 'IPv6', value: 0x20010db8000000000000000000000001n });
    expect(parseIp('::')).toEqual({ family: 'IPv6', value: 0n });
  });

  it('accepts the IPv6 forms Go accepts: upper case, embedded IPv4, :: at either end', () => {
    expect(parseIp('2001:DB8::1')?.value).toBe(ip('2001:db8::1'));
    expect(parseIp('2001:db8::192.0.2.1')?.value).toBe(0x20010db80000000000000000c0000201n);
    expect(parseIp('2001:db8:0:0:0:0:192.0.2.1')?.value).toBe(0x20010db80000000000000000c0000201n);
    expect(parseIp('2001:db8:1:2:3:4:5::')?.family).toBe('IPv6');
  });

  it('treats IPv4-mapped IPv6 as IPv6', () => {
    expect(parseIp('::ffff:192.0.2.1')).toEqual({ family: 'IPv6', value: 0xffffc0000201n });
  });

  it.each([
    ['with a prefix', '192.0.2.1/32'],
    ['with surrounding spaces', ' 192.0.2.1'],
    ['with trailing space', '2001:db8::1 '],
    ['with a leading zero in an octet (Go >= 1.17)', '192.0.2.01'],
    ['with an octet above 255', '192.0.2.256'],
    ['with three octets', '192.0.2'],
    ['with an IPv6 zone', 'fe80::1%eth0'],
    ['with two ::', '2001:db8::1::2'],
    ['with nine fields', '2001:db8:1:2:3:4:5:6:7'],
    ['with :: standing for no field', '2001:db8:1:2:3:4:5::6'],
    ['with :: standing for no field before an IPv4 tail', '2001:db8:1:2:3:4::192.0.2.1'],
    ['with a five-digit field', '2001:0db80::1'],
    ['with a dangling colon', '2001:db8::1:'],
    ['with an IPv4 part not at the end', '192.0.2.1::'],
    ['with a leading zero in an embedded IPv4', '::ffff:192.0.2.01'],
    ['empty', ''],
  ])('rejects an address %s', (_, text) => {
    expect(parseIp(text)).toBeNull();
  });
});

describe('formatIp', () => {
  it('formats IPv4 dotted', () => {
    expect(formatIp('IPv4', 0xc0000201n)).toBe('192.0.2.1');
  });

  it.each([
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['2001:db8:0:1:0:0:0:1', '2001:db8:0:1::1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // a single zero field is not compressed
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // the first of equally long runs wins
    ['::', '::'],
    ['2001:db8::', '2001:db8::'],
    ['::ffff:192.0.2.1', '::ffff:192.0.2.1'],
  ])('formats %s as %s, like Go', (input, expected) => {
    const parsed = parseIp(input)!;
    expect(formatIp(parsed.family, parsed.value)).toBe(expected);
  });
});

describe('parsePoolEntry: CIDRs', () => {
  it('parses an IPv4 CIDR', () => {
    expect(entry('192.0.2.0/24')).toEqual({
      family: 'IPv4',
      first: ip('192.0.2.0'),
      last: ip('192.0.2.255'),
      text: '192.0.2.0/24',
    });
  });

  it('parses an IPv6 CIDR', () => {
    const interval = entry('2001:db8::/64');
    expect(interval.family).toBe('IPv6');
    expect(interval.first).toBe(ip('2001:db8::'));
    expect(interval.last).toBe(ip('2001:db8::ffff:ffff:ffff:ffff'));
  });

  it('takes the network of a CIDR with host bits set, as Go does', () => {
    const interval = entry('192.0.2.5/28');
    expect([interval.first, interval.last]).toEqual([ip('192.0.2.0'), ip('192.0.2.15')]);
    expect(interval.text).toBe('192.0.2.5/28');
    expect(entry('2001:db8::5/64').first).toBe(ip('2001:db8::'));
  });

  it('accepts /0 for both families', () => {
    expect(capacityOf(['0.0.0.0/0']).ipv4).toBe(2n ** 32n);
    expect(capacityOf(['::/0']).ipv6).toBe(2n ** 128n);
  });

  it('accepts /32 and /128 as single addresses', () => {
    expect(entry('192.0.2.7/32')).toMatchObject({ first: ip('192.0.2.7'), last: ip('192.0.2.7') });
    expect(entry('2001:db8::7/128')).toMatchObject({ first: ip('2001:db8::7'), last: ip('2001:db8::7') });
    expect(capacityOf(['192.0.2.7/32', '2001:db8::7/128'])).toEqual({ ipv4: 1n, ipv6: 1n });
  });

  it('accepts leading zeros in the prefix length, as Go does', () => {
    expect(entry('192.0.2.0/024').last).toBe(ip('192.0.2.255'));
  });

  it('rejects a bare IP with MetalLB’s message', () => {
    expect(entryError('192.0.2.1')).toBe('invalid CIDR "192.0.2.1"');
    expect(entryError('2001:db8::1')).toBe('invalid CIDR "2001:db8::1"');
  });

  it.each([
    '192.0.2.0/33',
    '2001:db8::/129',
    '192.0.2.0/',
    '192.0.2.0/+24',
    '192.0.2.0/ 24',
    ' 192.0.2.0/24', // a CIDR is not trimmed
    '192.0.2.00/24',
    'fe80::%eth0/64',
    '',
  ])('rejects %j as an invalid CIDR', (text) => {
    expect(entryError(text)).toBe(`invalid CIDR ${JSON.stringify(text)}`);
  });
});

describe('parsePoolEntry: ranges', () => {
  it('parses a range whose ends are not CIDR-aligned', () => {
    expect(entry('192.0.2.3-192.0.2.17')).toEqual({
      family: 'IPv4',
      first: ip('192.0.2.3'),
      last: ip('192.0.2.17'),
      text: '192.0.2.3-192.0.2.17',
    });
    expect(capacityOf(['192.0.2.3-192.0.2.17']).ipv4).toBe(15n);
  });

  it('parses an IPv6 range', () => {
    expect(entry('2001:db8::10-2001:db8::1:f')).toMatchObject({ family: 'IPv6', first: ip('2001:db8::10') });
    expect(capacityOf(['2001:db8::10-2001:db8::1:f']).ipv6).toBe(0x10000n);
  });

  it('accepts a single-address range', () => {
    expect(capacityOf(['192.0.2.9-192.0.2.9']).ipv4).toBe(1n);
  });

  it('trims whitespace around each side and keeps the text as written', () => {
    const interval = entry(' 192.0.2.10 -\t192.0.2.20 ');
    expect([interval.first, interval.last]).toEqual([ip('192.0.2.10'), ip('192.0.2.20')]);
    expect(interval.text).toBe(' 192.0.2.10 -\t192.0.2.20 ');
  });

  it('reports an invalid start IP as written (untrimmed)', () => {
    expect(entryError('192.0.2.300 - 192.0.2.1')).toBe(
      'invalid IP range "192.0.2.300 - 192.0.2.1": invalid start IP "192.0.2.300 "',
    );
    expect(entryError('-192.0.2.1')).toBe('invalid IP range "-192.0.2.1": invalid start IP ""');
  });

  it('reports an invalid end IP, quoting with Go escapes', () => {
    expect(entryError('192.0.2.1-\tbogus')).toBe('invalid IP range "192.0.2.1-\\tbogus": invalid end IP "\\tbogus"');
  });

  it('splits on the first "-" only', () => {
    expect(entryError('192.0.2.1-192.0.2.5-192.0.2.9')).toBe(
      'invalid IP range "192.0.2.1-192.0.2.5-192.0.2.9": invalid end IP "192.0.2.5-192.0.2.9"',
    );
  });

  it('treats any entry with "-" as a range, even one that looks like a CIDR', () => {
    expect(entryError('192.0.2.0/24-192.0.2.255')).toBe(
      'invalid IP range "192.0.2.0/24-192.0.2.255": invalid start IP "192.0.2.0/24"',
    );
  });

  it('rejects a start after the end, quoting canonical addresses', () => {
    expect(entryError('192.0.2.20 - 192.0.2.10')).toBe(
      'invalid IP range "192.0.2.20 - 192.0.2.10": start IP "192.0.2.20" is after the end IP "192.0.2.10"',
    );
    expect(entryError('2001:DB8:0::20-2001:db8::10')).toBe(
      'invalid IP range "2001:DB8:0::20-2001:db8::10": start IP "2001:db8::20" is after the end IP "2001:db8::10"',
    );
  });

  it('rejects a range mixing families', () => {
    expect(entryError('192.0.2.1-2001:db8::1')).toBe(
      'invalid IP range "192.0.2.1-2001:db8::1": start and end IPs are of different families',
    );
  });
});

describe('parsePoolAddresses', () => {
  it('rejects an empty list', () => {
    expect(parsePoolAddresses([])).toEqual({ ok: false, error: 'pool has no prefixes defined' });
  });

  it('parses mixed families in one pool', () => {
    const parsed = parsePoolAddresses(['192.0.2.0/24', '2001:db8::/64']);
    expect(parsed.ok && parsed.value.map((interval) => interval.family)).toEqual(['IPv4', 'IPv6']);
  });

  it('returns the first error', () => {
    expect(parsePoolAddresses(['192.0.2.0/24', '198.51.100.1', '203.0.113.9-203.0.113.1'])).toEqual({
      ok: false,
      error: 'invalid CIDR "198.51.100.1"',
    });
  });
});

describe('isBuggyIp', () => {
  it('flags IPv4 .0 and .255 only', () => {
    expect(isBuggyIp('IPv4', ip('192.0.2.0'))).toBe(true);
    expect(isBuggyIp('IPv4', ip('192.0.2.255'))).toBe(true);
    expect(isBuggyIp('IPv4', ip('192.0.2.1'))).toBe(false);
    expect(isBuggyIp('IPv6', ip('2001:db8::'))).toBe(false);
    expect(isBuggyIp('IPv6', ip('2001:db8::ff'))).toBe(false);
  });
});

describe('poolCapacity', () => {
  it('excludes .0 and .255 with avoidBuggyIPs', () => {
    expect(capacityOf(['192.0.2.0/24']).ipv4).toBe(256n);
    expect(capacityOf(['192.0.2.0/24'], true).ipv4).toBe(254n);
    expect(capacityOf(['198.51.100.0/23'], true).ipv4).toBe(508n);
    expect(capacityOf(['0.0.0.0/0'], true).ipv4).toBe(2n ** 32n - 2n * 2n ** 24n);
  });

  it('counts buggy IPs exactly in unaligned ranges', () => {
    expect(capacityOf(['192.0.2.3-192.0.2.17'], true).ipv4).toBe(15n);
    // 198.51.100.250 .. 198.51.101.5 is 12 addresses, two of them .255 and .0
    expect(capacityOf(['198.51.100.250-198.51.101.5'], true).ipv4).toBe(10n);
    expect(capacityOf(['192.0.2.0/32'], true).ipv4).toBe(0n);
  });

  it('splits capacity per family and leaves IPv6 unaffected by avoidBuggyIPs', () => {
    expect(capacityOf(['192.0.2.0/24', '2001:db8::/120'], true)).toEqual({ ipv4: 254n, ipv6: 256n });
  });

  it('is exact for an IPv6 /64', () => {
    expect(capacityOf(['2001:db8::/64']).ipv6).toBe(2n ** 64n);
    expect(capacityOf(['2001:db8::/64', '2001:db8:0:1::/64'], true).ipv6).toBe(2n ** 65n);
  });

  it('does not double count overlapping entries', () => {
    expect(capacityOf(['192.0.2.0/25', '192.0.2.64-192.0.2.200']).ipv4).toBe(201n);
    expect(capacityOf(['192.0.2.0/24', '192.0.2.0/24']).ipv4).toBe(256n);
    expect(capacityOf(['192.0.2.0-192.0.2.10', '192.0.2.10-192.0.2.20']).ipv4).toBe(21n);
    expect(capacityOf(['2001:db8::/64', '2001:db8::/96']).ipv6).toBe(2n ** 64n);
  });

  it('is zero for an empty interval list', () => {
    expect(poolCapacity([], true)).toEqual({ ipv4: 0n, ipv6: 0n });
  });
});

describe('findOverlaps', () => {
  it('names the alphabetically later pool first, as MetalLB does', () => {
    const overlaps = findOverlaps([pool('zeta', ['192.0.2.0/24']), pool('alpha', ['192.0.2.128/25'])]);
    expect(overlaps).toEqual([
      {
        pool: 'zeta',
        entry: '192.0.2.0/24',
        otherPool: 'alpha',
        otherEntry: '192.0.2.128/25',
        message: 'CIDR "192.0.2.0/24" in pool "zeta" overlaps with already defined CIDR "192.0.2.128/25"',
      },
    ]);
  });

  it('finds overlaps within one pool, naming the later entry first', () => {
    const overlaps = findOverlaps([pool('lab', ['198.51.100.0/24', '203.0.113.0/24', '198.51.100.10-198.51.100.20'])]);
    expect(overlaps.map((overlap) => overlap.message)).toEqual([
      'CIDR "198.51.100.10-198.51.100.20" in pool "lab" overlaps with already defined CIDR "198.51.100.0/24"',
    ]);
  });

  it('quotes CIDRs canonically in the message but keeps the entry as written', () => {
    const [overlap] = findOverlaps([pool('a', ['2001:DB8::5/64']), pool('b', ['192.0.2.5/28', '2001:db8::/48'])]);
    expect(overlap).toMatchObject({ pool: 'b', entry: '2001:db8::/48', otherPool: 'a', otherEntry: '2001:DB8::5/64' });
    expect(overlap?.message).toBe(
      'CIDR "2001:db8::/48" in pool "b" overlaps with already defined CIDR "2001:db8::/64"',
    );
    const [hostBits] = findOverlaps([pool('a', ['192.0.2.5/28']), pool('b', ['192.0.2.9/32'])]);
    expect(hostBits?.message).toBe('CIDR "192.0.2.9/32" in pool "b" overlaps with already defined CIDR "192.0.2.0/28"');
  });

  it('does not report adjacent entries', () => {
    expect(findOverlaps([pool('a', ['192.0.2.0/25']), pool('b', ['192.0.2.128/25'])])).toEqual([]);
    expect(findOverlaps([pool('a', ['192.0.2.0-192.0.2.127', '192.0.2.128-192.0.2.255'])])).toEqual([]);
    expect(findOverlaps([pool('a', ['2001:db8::/64']), pool('b', ['2001:db8:0:1::/64'])])).toEqual([]);
  });

  it('does not compare across families', () => {
    expect(findOverlaps([pool('a', ['0.0.0.0/0']), pool('b', ['::/0'])])).toEqual([]);
  });

  it('reports a single shared address at the edge', () => {
    const overlaps = findOverlaps([pool('a', ['192.0.2.0-192.0.2.128']), pool('b', ['192.0.2.128/25'])]);
    expect(overlaps.map((overlap) => [overlap.pool, overlap.otherPool])).toEqual([['b', 'a']]);
  });

  it('reports every overlapping pair once', () => {
    const overlaps = findOverlaps([
      pool('outer', ['203.0.113.0/24']),
      pool('middle', ['203.0.113.0/26']),
      pool('inner', ['203.0.113.8/29']),
      pool('elsewhere', ['203.0.113.128/26']),
    ]);
    const pairs = overlaps.map((overlap) => `${overlap.pool}>${overlap.otherPool}`).sort();
    // name order: elsewhere, inner, middle, outer
    expect(pairs).toEqual(['middle>inner', 'outer>elsewhere', 'outer>inner', 'outer>middle']);
  });

  it('finds nothing among many disjoint entries and exactly the planted overlap', () => {
    const singles = Array.from({ length: 256 }, (_, i) =>
      pool(`p${String(i).padStart(3, '0')}`, [`198.51.100.${i}/32`]),
    );
    expect(findOverlaps(singles)).toEqual([]);
    const planted = findOverlaps([...singles, pool('zz', ['198.51.100.77-198.51.100.78'])]);
    expect(planted.map((overlap) => overlap.otherPool)).toEqual(['p077', 'p078']);
  });
});

describe('buildPoolIndex', () => {
  const index = buildPoolIndex([
    pool('wide', ['192.0.2.0/24', '2001:db8::/64'], true),
    pool('narrow', ['192.0.2.0-192.0.2.63']),
    pool('range', ['198.51.100.3-198.51.100.17']),
  ]);

  it('returns every pool containing the address, in name order', () => {
    expect(index.poolsContaining('192.0.2.10')).toEqual(['narrow', 'wide']);
    expect(index.poolsContaining('192.0.2.64')).toEqual(['wide']);
  });

  it('returns [] for an address outside every pool', () => {
    expect(index.poolsContaining('203.0.113.5')).toEqual([]);
    expect(index.poolsContaining('2001:db8:1::1')).toEqual([]);
  });

  it('respects range ends exactly', () => {
    expect(index.poolsContaining('198.51.100.2')).toEqual([]);
    expect(index.poolsContaining('198.51.100.3')).toEqual(['range']);
    expect(index.poolsContaining('198.51.100.17')).toEqual(['range']);
    expect(index.poolsContaining('198.51.100.18')).toEqual([]);
  });

  it('excludes .0/.255 from pools with avoidBuggyIPs and says so', () => {
    expect(index.lookupDetailed('192.0.2.0')).toEqual({ pools: ['narrow'], excludedByAvoidBuggyIps: ['wide'] });
    expect(index.lookupDetailed('192.0.2.255')).toEqual({ pools: [], excludedByAvoidBuggyIps: ['wide'] });
    expect(index.poolsContaining('192.0.2.255')).toEqual([]);
    expect(index.lookupDetailed('192.0.2.1')).toEqual({ pools: ['narrow', 'wide'], excludedByAvoidBuggyIps: [] });
  });

  it('looks up IPv6, where avoidBuggyIPs does not apply', () => {
    expect(index.lookupDetailed('2001:db8::')).toEqual({ pools: ['wide'], excludedByAvoidBuggyIps: [] });
    expect(index.poolsContaining('2001:db8::ffff:ffff:ffff:ffff')).toEqual(['wide']);
  });

  it('keeps families apart: an IPv4-mapped address is not in an IPv4 pool', () => {
    expect(index.poolsContaining('::ffff:192.0.2.10')).toEqual([]);
  });

  it('returns null from lookupDetailed, and [] from poolsContaining, for an unparsable address', () => {
    expect(index.lookupDetailed('192.0.2.1/32')).toBeNull();
    expect(index.lookupDetailed('not-an-ip')).toBeNull();
    expect(index.poolsContaining('not-an-ip')).toEqual([]);
  });

  it('handles pools reaching the top of the address space', () => {
    const everything = buildPoolIndex([pool('all4', ['0.0.0.0/0']), pool('all6', ['::/0'])]);
    expect(everything.poolsContaining('255.255.255.254')).toEqual(['all4']);
    expect(everything.poolsContaining('ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff')).toEqual(['all6']);
  });

  it('lists a pool once when its own entries overlap', () => {
    const selfOverlap = buildPoolIndex([pool('dup', ['192.0.2.0/24', '192.0.2.0/25'])]);
    expect(selfOverlap.poolsContaining('192.0.2.1')).toEqual(['dup']);
    expect(selfOverlap.poolsContaining('192.0.2.200')).toEqual(['dup']);
  });

  it('resolves every address when many small pools sit inside a wide one', () => {
    const singles = Array.from({ length: 256 }, (_, i) =>
      pool(`p${String(i).padStart(3, '0')}`, [`203.0.113.${i}/32`]),
    );
    const many = buildPoolIndex([...singles, pool('cover', ['203.0.113.0/24'])]);
    for (let i = 0; i < 256; i++) {
      expect(many.poolsContaining(`203.0.113.${i}`)).toEqual(['cover', `p${String(i).padStart(3, '0')}`]);
    }
  });
});

// Text is read with Go's grammar in-house; ip-num is the reference for the values, and its masks (built once per
// prefix length) give the CIDR bounds, which must equal ip-num's own ranges for every prefix length.
describe('address conversions agree with ip-num', () => {
  // A deterministic spread of values: every field width, zero runs at the start, middle and end.
  const sampleValues = (bits: number, count: number): bigint[] => {
    let state = 0x9e3779b97f4a7c15n;
    const mask = (1n << BigInt(bits)) - 1n;
    return Array.from({ length: count }, (_, i) => {
      state = (state * 6364136223846793005n + 1442695040888963407n) & ((1n << 128n) - 1n);
      const random = (state ^ (state >> 67n)) & mask;
      // Every third value keeps only some 16-bit fields, so "::" compression is exercised.
      const keep = BigInt(i % 256);
      const sparse = Array.from({ length: bits / 16 }, (_, f) => f).reduce(
        (acc, f) => ((keep >> BigInt(f % 8)) & 1n ? acc | (random & (0xffffn << BigInt(16 * f))) : acc),
        0n,
      );
      return i % 3 === 0 ? sparse : random;
    });
  };

  it('IPv6: parseIp of the canonical text, of ip-num text and of full text equals ip-num value', () => {
    for (const value of [0n, 1n, ...sampleValues(128, 3000)]) {
      const reference = IPv6.fromBigInt(value);
      const canonical = formatIp('IPv6', value);
      const full = value
        .toString(16)
        .padStart(32, '0')
        .replace(/(.{4})(?!$)/g, '$1:');
      for (const text of [canonical, reference.toString(), full, canonical.toUpperCase()]) {
        expect(parseIp(text)?.value, text).toBe(IPv6.fromString(text).getValue());
        expect(parseIpCanonical(text)).toEqual({ family: 'IPv6', value, canonical });
      }
    }
  });

  it('IPv4: parseIp and formatIp round-trip as ip-num does', () => {
    for (const value of [0n, 0xffffffffn, ...sampleValues(32, 3000)]) {
      const text = IPv4.fromNumber(value).toString();
      expect(formatIp('IPv4', value)).toBe(text);
      expect(parseIp(text)).toEqual({ family: 'IPv4', value: IPv4.fromString(text).getValue() });
    }
  });

  it('CIDR bounds equal ip-num ranges for every prefix length', () => {
    for (const [index, value] of sampleValues(128, 129).entries()) {
      const range = new IPv6CidrRange(IPv6.fromBigInt(value), IPv6Prefix.fromNumber(BigInt(index)));
      const parsed = entry(`${formatIp('IPv6', value)}/${index}`);
      expect([parsed.first, parsed.last]).toEqual([range.getFirst().getValue(), range.getLast().getValue()]);
    }
    for (const [index, value] of sampleValues(32, 33).entries()) {
      const range = new IPv4CidrRange(IPv4.fromNumber(value), IPv4Prefix.fromNumber(BigInt(index)));
      const parsed = entry(`${formatIp('IPv4', value)}/${index}`);
      expect([parsed.first, parsed.last]).toEqual([range.getFirst().getValue(), range.getLast().getValue()]);
    }
  });
});
