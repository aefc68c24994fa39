// IPAddressPool address semantics as pure functions, mirroring MetalLB's config parsing
// (internal/config: ParseCIDR, the pool overlap check, ipConfusesBuggyFirmwares) and Go's
// net.ParseIP / net.ParseCIDR, so diagnoses agree with what the controller and webhook decide.
// Addresses are bigint throughout: an IPv6 /64 alone holds 2^64 addresses. Pure: no I/O.

import { IPv4, IPv4Prefix, IPv6, IPv6Prefix } from 'ip-num';

export type IpFamily = 'IPv4' | 'IPv6';

export interface AddressInterval {
  family: IpFamily;
  first: bigint;
  last: bigint;
  /** The pool entry exactly as written in spec.addresses. */
  text: string;
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: string };

export interface PoolCapacity {
  ipv4: bigint;
  ipv6: bigint;
}

export interface PoolAddresses {
  name: string;
  intervals: readonly AddressInterval[];
  avoidBuggyIPs: boolean;
}

export interface AddressOverlap {
  /** The pool MetalLB processes later (pools go in name order), i.e. the one it rejects. */
  pool: string;
  entry: string;
  otherPool: string;
  otherEntry: string;
  message: string;
}

export interface PoolIndex {
  /** Names of every pool whose usable addresses contain ip; avoidBuggyIPs exclusions are left out. O(log n). */
  poolsContaining(ip: string): string[];
  /** null if ip does not parse. */
  lookupDetailed(ip: string): PoolLookup | null;
  /** lookupDetailed for an address already parsed (parsing is most of the cost). */
  lookupParsed(family: IpFamily, value: bigint): PoolLookup;
}

const FAMILIES: readonly IpFamily[] = ['IPv4', 'IPv6'];
const BIT_LENGTH: Record<IpFamily, number> = { IPv4: 32, IPv6: 128 };

const ok = <T>(value: T): ParseResult<T> => ({ ok: true, value });
const fail = <T>(error: string): ParseResult<T> => ({ ok: false, error });

const compareBigints = (a: bigint, b: bigint): number => (a < b ? -1 : a > b ? 1 : 0);

// Go sorts strings by bytes; for Kubernetes names (ASCII) code-unit order is the same thing.
const compareNames = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

// ---------------------------------------------------------------------------------------------
// Go formatting helpers (error messages must read exactly like MetalLB's)

// Go's unicode.IsSpace set, which strings.TrimSpace uses; JS trim() differs (U+FEFF, U+0085).
const GO_SPACE = '\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const GO_TRIM = new RegExp(`^[${GO_SPACE}]+|[${GO_SPACE}]+$`, 'gu');
const goTrimSpace = (s: string): string => s.replace(GO_TRIM, '');

const GO_SHORT_ESCAPES: Record<string, string> = {
  '\x07': '\\a',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\v': '\\v',
  '"': '\\"',
  '\\': '\\\\',
};
// strconv.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space.
const GO_NOT_PRINTABLE = /[^\p{L}\p{M}\p{N}\p{P}\p{S} ]/u;

function goEscapeRune(rune: string): string {
  const short = GO_SHORT_ESCAPES[rune];
  if (short !== undefined) return short;
  if (!GO_NOT_PRINTABLE.test(rune)) return rune;
  const code = rune.codePointAt(0) ?? 0;
  if (code < 0x80) return `\\x${code.toString(16).padStart(2, '0')}`;
  if (code < 0x10000) return `\\u${code.toString(16).padStart(4, '0')}`;
  return `\\U${code.toString(16).padStart(8, '0')}`;
}

/** Go's %q: entries are user input, so tabs or odd spaces must be shown the way MetalLB shows them. */
export function goQuote(s: string): string {
  return `"${Array.from(s, goEscapeRune).join('')}"`;
}

// ---------------------------------------------------------------------------------------------
// Single addresses

// Text is read with Go's grammar, not ip-num's (which accepts IPv6 zones, for one): the scan that
// checks the grammar yields the fields, and the value is those fields side by side. ip-num converts
// the rare IPv6 form with an embedded IPv4 tail, and does the address math (masks, ranges) below.
// Go (since 1.17) rejects leading zeros in IPv4 octets.
const CHAR_0 = 48;

const isDecimalDigit = (code: number): boolean => code >= CHAR_0 && code <= CHAR_0 + 9;
const hasLeadingZero = (octet: string): boolean => octet.length > 1 && octet.charCodeAt(0) === CHAR_0;

// One decimal octet (1-3 digits, <= 255, no leading zero), or -1.
function goOctet(octet: string): number {
  if (octet.length === 0 || octet.length > 3 || hasLeadingZero(octet)) return -1;
  let value = 0;
  for (let position = 0; position < octet.length; position++) {
    const code = octet.charCodeAt(position);
    if (!isDecimalDigit(code)) return -1;
    value = value * 10 + code - CHAR_0;
  }
  return value > 255 ? -1 : value;
}

/** Go's IPv4 grammar (four decimal octets <= 255, no leading zeros) and its value, or null. */
function goIPv4Value(text: string): number | null {
  const octets = text.split('.');
  if (octets.length !== 4) return null;
  let value = 0;
  for (const octet of octets) {
    const octetValue = goOctet(octet);
    if (octetValue < 0) return null;
    value = value * 256 + octetValue;
  }
  return value;
}

const isGoIPv4 = (text: string): boolean => goIPv4Value(text) !== null;

// One hex digit's value, or -1.
function hexDigit(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  const lower = code | 0x20;
  return lower >= 97 && lower <= 102 ? lower - 87 : -1;
}

const CHAR_COLON = 58;

/** Fields before "::" (all of them when there is none) and after it (null: no "::"). */
interface HexFields {
  head: number[];
  tail: number[] | null;
}

// Reads one field of 1-4 hex digits at `from`; returns where it ends, or -1 if there is none.
function readHexField(text: string, from: number, into: number[]): number {
  let [position, value] = [from, 0];
  for (; position < text.length && position - from <= 4; position++) {
    const digit = hexDigit(text.charCodeAt(position));
    if (digit < 0) break;
    value = value * 16 + digit;
  }
  const digits = position - from;
  if (digits === 0 || digits > 4) return -1;
  into.push(value);
  return position;
}

// After a field: the end, ":" and another field, or "::" (allowed once). Returns the next field's start or -1.
function readSeparator(text: string, position: number, fields: HexFields): number {
  if (text.charCodeAt(position) !== CHAR_COLON || position + 1 === text.length) return -1;
  if (text.charCodeAt(position + 1) !== CHAR_COLON) return position + 1;
  if (fields.tail !== null) return -1;
  fields.tail = [];
  return position + 2;
}

// Fields of 1-4 hex digits separated by single colons, with at most one "::"; one pass, no splitting.
function scanHexFields(text: string): HexFields | null {
  const fields: HexFields = { head: [], tail: text.startsWith('::') ? [] : null };
  let position = fields.tail === null ? 0 : 2;
  while (position < text.length) {
    position = readHexField(text, position, fields.tail ?? fields.head);
    if (position < 0) return null;
    if (position === text.length) break;
    position = readSeparator(text, position, fields);
    if (position < 0) return null;
  }
  return fields;
}

// `fieldsAvailable` is 8, or 6 when an IPv4 tail takes the last two fields. As in Go, "::"
// appears at most once and must stand for at least one zero field. Returns the field values
// with "::" expanded to zeros, or null.
function goIPv6HexFields(hexPart: string, fieldsAvailable: number): number[] | null {
  const fields = scanHexFields(hexPart);
  if (fields === null) return null;
  const missing = fieldsAvailable - fields.head.length - (fields.tail?.length ?? 0);
  if (fields.tail === null) return missing === 0 ? fields.head : null;
  if (missing < 1) return null;
  for (let zero = 0; zero < missing; zero++) fields.head.push(0);
  for (const field of fields.tail) fields.head.push(field);
  return fields.head;
}

function ipNumIPv6Value(text: string): bigint | null {
  try {
    return IPv6.fromString(text).getValue();
  } catch {
    return null;
  }
}

/** A parsed address with its canonical text (Go's String(), see formatIp): the key for "same IP". */
export interface CanonicalIp {
  family: IpFamily;
  value: bigint;
  canonical: string;
}

// Hot paths below avoid closures: tsx (keepNames) wraps each one created at run time.
const fieldPair = (fields: readonly number[], index: number): bigint =>
  BigInt(fields[index]! * 0x10000 + fields[index + 1]!);

// Four 32-bit chunks: a handful of bigint operations instead of one per field.
function valueOfFields(fields: readonly number[]): bigint {
  return (
    (fieldPair(fields, 0) << 96n) | (fieldPair(fields, 2) << 64n) | (fieldPair(fields, 4) << 32n) | fieldPair(fields, 6)
  );
}

function hexFieldsIp(fields: readonly number[]): CanonicalIp {
  const value = valueOfFields(fields);
  // An IPv4-mapped address keeps its dotted tail in canonical text: formatIPv6 knows that form.
  const mapped = value >> 32n === IPV4_MAPPED_PREFIX >> 32n;
  return { family: 'IPv6', value, canonical: mapped ? formatIPv6(value) : formatHexFields(fields) };
}

// Mirrors net/netip parseIPv6; zones ("%eth0") are rejected as net.ParseIP does.
function goIPv6(text: string): CanonicalIp | null {
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (!tail.includes('.')) {
    const fields = goIPv6HexFields(text, 8);
    return fields === null ? null : hexFieldsIp(fields);
  }
  if (!isGoIPv4(tail)) return null;
  const head = text.slice(0, lastColon + 1);
  const valid = goIPv6HexFields(head.endsWith('::') ? head : head.slice(0, -1), 6) !== null;
  const value = valid ? ipNumIPv6Value(text) : null;
  return value === null ? null : { family: 'IPv6', value, canonical: formatIPv6(value) };
}

/** parseIp plus the canonical text, computed from the parsed fields (cheaper than formatIp afterwards). */
export function parseIpCanonical(text: string): CanonicalIp | null {
  if (text.includes(':')) return goIPv6(text);
  const value = goIPv4Value(text);
  // Go's IPv4 grammar admits one spelling per address, so the text is already canonical.
  return value === null ? null : { family: 'IPv4', value: BigInt(value), canonical: text };
}

/**
 * Strict, like Go's net.ParseIP: no prefix, no spaces, no zone, no leading zeros in IPv4 octets.
 * IPv4-mapped IPv6 (::ffff:a.b.c.d) is reported as IPv6 (Go would call it IPv4).
 */
export function parseIp(text: string): { family: IpFamily; value: bigint } | null {
  if (text.includes(':')) {
    const parsed = goIPv6(text);
    return parsed === null ? null : { family: 'IPv6', value: parsed.value };
  }
  const value = goIPv4Value(text);
  return value === null ? null : { family: 'IPv4', value: BigInt(value) };
}

const IPV4_MAPPED_PREFIX = 0xffffn << 32n;

function longestZeroRun(fields: readonly number[]): { start: number; length: number } {
  let best = { start: -1, length: 0 };
  for (let start = 0; start < fields.length; start++) {
    let length = 0;
    while (fields[start + length] === 0) length++;
    if (length > best.length) best = { start, length };
    start += length;
  }
  return best;
}

// Go's net.IP.String: lowercase, no leading zeros, the first longest run of >= 2 zero fields
// becomes "::". IPv4-mapped addresses keep their ::ffff: prefix (Go drops it) so the text
// parses back to the same family here.
function formatIPv6(value: bigint): string {
  if (value >> 32n === IPV4_MAPPED_PREFIX >> 32n) return `::ffff:${formatIp('IPv4', value & 0xffffffffn)}`;
  // One bigint-to-text conversion, then plain numbers: per-field bigint shifts cost several times more.
  const digits = value.toString(16).padStart(32, '0');
  return formatHexFields(Array.from({ length: 8 }, (_, i) => parseInt(digits.slice(4 * i, 4 * i + 4), 16)));
}

function hexText(fields: readonly number[], from: number, to: number): string {
  let text = '';
  for (let index = from; index < to; index++) text += (index > from ? ':' : '') + fields[index]!.toString(16);
  return text;
}

function formatHexFields(fields: readonly number[]): string {
  const zeros = longestZeroRun(fields);
  if (zeros.length < 2) return hexText(fields, 0, fields.length);
  return `${hexText(fields, 0, zeros.start)}::${hexText(fields, zeros.start + zeros.length, fields.length)}`;
}

export function formatIp(family: IpFamily, value: bigint): string {
  return family === 'IPv4' ? IPv4.fromNumber(value).toString() : formatIPv6(value);
}

// ---------------------------------------------------------------------------------------------
// Pool entries

// ip-num's network mask per family and prefix length. Building a mask costs ip-num ~20 µs (it works on
// binary strings) and there are only 33 + 129 of them, so each is built once.
const prefixMasks: Record<IpFamily, Map<number, bigint>> = { IPv4: new Map(), IPv6: new Map() };

function prefixMask(family: IpFamily, prefix: number): bigint {
  let mask = prefixMasks[family].get(prefix);
  if (mask === undefined) {
    const length = BigInt(prefix);
    mask = (family === 'IPv4' ? IPv4Prefix.fromNumber(length) : IPv6Prefix.fromNumber(length)).toMask().getValue();
    prefixMasks[family].set(prefix, mask);
  }
  return mask;
}

const allOnes: Record<IpFamily, bigint> = { IPv4: (1n << 32n) - 1n, IPv6: (1n << 128n) - 1n };

// The network and broadcast ends of address/prefix (what ip-num's CidrRange getFirst/getLast return).
function cidrBounds(family: IpFamily, address: bigint, prefix: number): { first: bigint; last: bigint } {
  const mask = prefixMask(family, prefix);
  const first = address & mask;
  return { first, last: first | (allOnes[family] ^ mask) };
}

// net.ParseCIDR: split at the first "/", digits only after it (leading zeros allowed, as Go's
// dtoi allows them), prefix <= bit length. Host bits may be set: the network is what counts.
function parseCidr(entry: string): ParseResult<AddressInterval> {
  const invalid = fail<AddressInterval>(`invalid CIDR ${goQuote(entry)}`);
  const slash = entry.indexOf('/');
  if (slash < 0) return invalid;
  const address = parseIp(entry.slice(0, slash));
  const prefixText = entry.slice(slash + 1);
  if (address === null || !/^[0-9]+$/.test(prefixText)) return invalid;
  const prefix = Number(prefixText);
  if (prefix > BIT_LENGTH[address.family]) return invalid;
  return ok({ family: address.family, ...cidrBounds(address.family, address.value, prefix), text: entry });
}

// MetalLB's range branch: split on the first "-", trim each side, but quote the untrimmed side
// when it is invalid and the parsed (canonical) addresses when the order is wrong.
function parseRange(entry: string): ParseResult<AddressInterval> {
  const dash = entry.indexOf('-');
  const startText = entry.slice(0, dash);
  const endText = entry.slice(dash + 1);
  const problem = (detail: string) => fail<AddressInterval>(`invalid IP range ${goQuote(entry)}: ${detail}`);
  const start = parseIp(goTrimSpace(startText));
  if (start === null) return problem(`invalid start IP ${goQuote(startText)}`);
  const end = parseIp(goTrimSpace(endText));
  if (end === null) return problem(`invalid end IP ${goQuote(endText)}`);
  if (start.family !== end.family) return problem('start and end IPs are of different families');
  if (start.value > end.value) {
    const [from, to] = [formatIp(start.family, start.value), formatIp(end.family, end.value)];
    return problem(`start IP ${goQuote(from)} is after the end IP ${goQuote(to)}`);
  }
  return ok({ family: start.family, first: start.value, last: end.value, text: entry });
}

/** One spec.addresses entry: a CIDR, or "a-b" (any "-" makes it a range, as in MetalLB). */
export function parsePoolEntry(entry: string): ParseResult<AddressInterval> {
  return entry.includes('-') ? parseRange(entry) : parseCidr(entry);
}

/**
 * All entries of one pool; the first invalid entry's error wins. MetalLB wraps these errors as
 * `invalid CIDR "<entry>" in pool "<name>": <error>`; that wrapping is left to the caller.
 */
export function parsePoolAddresses(entries: readonly string[]): ParseResult<AddressInterval[]> {
  if (entries.length === 0) return fail('pool has no prefixes defined');
  const intervals: AddressInterval[] = [];
  for (const entry of entries) {
    const parsed = parsePoolEntry(entry);
    if (!parsed.ok) return parsed;
    intervals.push(parsed.value);
  }
  return ok(intervals);
}

// ---------------------------------------------------------------------------------------------
// Capacity

/** MetalLB's ipConfusesBuggyFirmwares: IPv4 .0 and .255 upset some old clients. */
export function isBuggyIp(family: IpFamily, value: bigint): boolean {
  const lastOctet = value & 0xffn;
  return family === 'IPv4' && (lastOctet === 0n || lastOctet === 255n);
}

type Span = { first: bigint; last: bigint };

function mergeSpans(intervals: readonly Span[]): Span[] {
  const sorted = [...intervals].sort((a, b) => compareBigints(a.first, b.first));
  const merged: Span[] = [];
  for (const { first, last } of sorted) {
    const previous = merged.at(-1);
    if (previous !== undefined && first <= previous.last + 1n) {
      if (last > previous.last) previous.last = last;
    } else {
      merged.push({ first, last });
    }
  }
  return merged;
}

// How many n in [0, upTo] have n mod 256 === lastOctet.
const countLastOctetUpTo = (upTo: bigint, lastOctet: bigint): bigint =>
  upTo < lastOctet ? 0n : (upTo - lastOctet) / 256n + 1n;

function countBuggyIps(family: IpFamily, { first, last }: Span): bigint {
  if (family !== 'IPv4') return 0n;
  const inSpan = (lastOctet: bigint) => countLastOctetUpTo(last, lastOctet) - countLastOctetUpTo(first - 1n, lastOctet);
  return inSpan(0n) + inSpan(255n);
}

function familyCapacity(intervals: readonly AddressInterval[], family: IpFamily, avoidBuggyIPs: boolean): bigint {
  const spans = mergeSpans(intervals.filter((interval) => interval.family === family));
  let total = 0n;
  for (const span of spans) {
    total += span.last - span.first + 1n;
    if (avoidBuggyIPs) total -= countBuggyIps(family, span);
  }
  return total;
}

/** Distinct usable addresses per family: overlapping entries count once, avoidBuggyIPs applied. */
export function poolCapacity(intervals: readonly AddressInterval[], avoidBuggyIPs: boolean): PoolCapacity {
  return {
    ipv4: familyCapacity(intervals, 'IPv4', avoidBuggyIPs),
    ipv6: familyCapacity(intervals, 'IPv6', avoidBuggyIPs),
  };
}

// ---------------------------------------------------------------------------------------------
// Overlaps

interface RankedInterval {
  interval: AddressInterval;
  pool: string;
  /** Position in MetalLB's processing order: pools by name, then entries as written. */
  rank: number;
}

// Array.prototype.sort is stable, so pools sharing a name keep their input order.
const sortedByName = (pools: readonly PoolAddresses[]): PoolAddresses[] =>
  [...pools].sort((a, b) => compareNames(a.name, b.name));

function inProcessingOrder(pools: readonly PoolAddresses[]): RankedInterval[] {
  let rank = 0;
  return sortedByName(pools).flatMap((pool) =>
    pool.intervals.map((interval) => ({ interval, pool: pool.name, rank: rank++ })),
  );
}

function isAlignedBlock({ first, last }: Span): boolean {
  const size = last - first + 1n;
  return (size & (size - 1n)) === 0n && first % size === 0n;
}

// MetalLB quotes net.IPNet values, so a CIDR entry is shown canonically ("192.0.2.5/28" reads
// "192.0.2.0/28"). For a range MetalLB quotes whichever summarised sub-CIDR collided; we quote
// the range as the user wrote it instead, which is what they can find in their manifest.
function overlapLabel(interval: AddressInterval): string {
  if (interval.text.includes('-') || !isAlignedBlock(interval)) return interval.text;
  const hostBits = (interval.last - interval.first + 1n).toString(2).length - 1;
  return `${formatIp(interval.family, interval.first)}/${BIT_LENGTH[interval.family] - hostBits}`;
}

function describeOverlap(a: RankedInterval, b: RankedInterval): AddressOverlap {
  const [earlier, later] = a.rank < b.rank ? [a, b] : [b, a];
  return {
    pool: later.pool,
    entry: later.interval.text,
    otherPool: earlier.pool,
    otherEntry: earlier.interval.text,
    message:
      `CIDR ${goQuote(overlapLabel(later.interval))} in pool ${goQuote(later.pool)} ` +
      `overlaps with already defined CIDR ${goQuote(overlapLabel(earlier.interval))}`,
  };
}

// Sweep by start address keeping the still-open intervals. Each open interval is either dropped
// (once, ever) or reported as an overlap, so the sweep is O(n log n + k) for k overlaps.
function sweepOverlaps(items: readonly RankedInterval[]): AddressOverlap[] {
  const sorted = [...items].sort((a, b) => compareBigints(a.interval.first, b.interval.first) || a.rank - b.rank);
  const overlaps: AddressOverlap[] = [];
  let open: RankedInterval[] = [];
  for (const current of sorted) {
    open = open.filter((candidate) => candidate.interval.last >= current.interval.first);
    for (const candidate of open) overlaps.push(describeOverlap(candidate, current));
    open.push(current);
  }
  return overlaps;
}

/**
 * Every overlapping pair of entries, across pools and within a pool, each reported once with
 * MetalLB's wording (the entry processed later is named first). Ordered by family, then address;
 * MetalLB itself stops at the first overlap in pool-name order, which may be a different pair.
 */
export function findOverlaps(pools: readonly PoolAddresses[]): AddressOverlap[] {
  const ranked = inProcessingOrder(pools);
  return FAMILIES.flatMap((family) => sweepOverlaps(ranked.filter((item) => item.interval.family === family)));
}

// ---------------------------------------------------------------------------------------------
// Lookup index

interface PoolRef {
  name: string;
  avoidBuggyIPs: boolean;
}

/** Disjoint, sorted; every address in [first, last] is covered by exactly `pools`. */
interface Segment {
  first: bigint;
  last: bigint;
  pools: readonly PoolRef[];
  /** Names of `pools`, built once: the answer for every address no avoidBuggyIPs rule excludes. */
  names: readonly string[];
  anyAvoidsBuggyIps: boolean;
}

/** Which pools contain an address, and which would but skip it (avoidBuggyIPs). */
export interface PoolLookup {
  pools: string[];
  excludedByAvoidBuggyIps: string[];
}

interface Boundary {
  at: bigint;
  poolRank: number;
  delta: 1 | -1;
}

function boundariesOf(pools: readonly PoolAddresses[], family: IpFamily): Boundary[] {
  const boundaries = pools.flatMap((pool, poolRank) =>
    pool.intervals
      .filter((interval) => interval.family === family)
      .flatMap((interval): Boundary[] => [
        { at: interval.first, poolRank, delta: 1 },
        { at: interval.last + 1n, poolRank, delta: -1 },
      ]),
  );
  return boundaries.sort((a, b) => compareBigints(a.at, b.at));
}

// A pool may cover a point through several entries, hence a count per pool rather than a set.
function applyBoundary(coverage: Map<number, number>, { poolRank, delta }: Boundary): void {
  const count = (coverage.get(poolRank) ?? 0) + delta;
  if (count === 0) coverage.delete(poolRank);
  else coverage.set(poolRank, count);
}

function buildSegments(pools: readonly PoolAddresses[], family: IpFamily): Segment[] {
  const boundaries = boundariesOf(pools, family);
  const coverage = new Map<number, number>();
  const segments: Segment[] = [];
  let i = 0;
  while (i < boundaries.length) {
    const at = boundaries[i]!.at;
    for (; i < boundaries.length && boundaries[i]!.at === at; i++) applyBoundary(coverage, boundaries[i]!);
    const next = boundaries[i];
    if (next === undefined || coverage.size === 0) continue;
    const covering = [...coverage.keys()].sort((a, b) => a - b).map((rank) => pools[rank]!);
    segments.push({
      first: at,
      last: next.at - 1n,
      pools: covering,
      names: covering.map((pool) => pool.name),
      anyAvoidsBuggyIps: covering.some((pool) => pool.avoidBuggyIPs),
    });
  }
  return segments;
}

function findSegment(segments: readonly Segment[], value: bigint): Segment | undefined {
  let low = 0;
  let high = segments.length - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    const segment = segments[middle]!;
    if (value < segment.first) high = middle - 1;
    else if (value > segment.last) low = middle + 1;
    else return segment;
  }
  return undefined;
}

function splitByAvoidBuggyIps(covering: readonly PoolRef[], family: IpFamily, value: bigint): PoolLookup {
  const buggy = isBuggyIp(family, value);
  const excluded = covering.filter((pool) => buggy && pool.avoidBuggyIPs);
  const contained = covering.filter((pool) => !(buggy && pool.avoidBuggyIPs));
  return { pools: contained.map((pool) => pool.name), excludedByAvoidBuggyIps: excluded.map((pool) => pool.name) };
}

// Answers are fresh arrays each time: callers may keep or change them.
function lookupIn(segments: readonly Segment[], family: IpFamily, value: bigint): PoolLookup {
  const segment = findSegment(segments, value);
  if (segment === undefined) return { pools: [], excludedByAvoidBuggyIps: [] };
  if (segment.anyAvoidsBuggyIps && isBuggyIp(family, value)) return splitByAvoidBuggyIps(segment.pools, family, value);
  return { pools: [...segment.names], excludedByAvoidBuggyIps: [] };
}

/**
 * Address-to-pools index: elementary segments per family (split at every entry boundary, each
 * carrying the pools that cover it), so overlapping pools are handled and a lookup is one binary
 * search. Names come back in pool-name order.
 */
export function buildPoolIndex(pools: readonly PoolAddresses[]): PoolIndex {
  const ordered = sortedByName(pools);
  const segments: Record<IpFamily, Segment[]> = {
    IPv4: buildSegments(ordered, 'IPv4'),
    IPv6: buildSegments(ordered, 'IPv6'),
  };
  const lookupParsed = (family: IpFamily, value: bigint) => lookupIn(segments[family], family, value);
  const lookupDetailed = (ip: string) => {
    const parsed = parseIp(ip);
    return parsed === null ? null : lookupParsed(parsed.family, parsed.value);
  };
  return { lookupDetailed, lookupParsed, poolsContaining: (ip) => lookupDetailed(ip)?.pools ?? [] };
}
