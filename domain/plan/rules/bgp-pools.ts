// Rules between BGPAdvertisements and the pools they select (config.go setBGPAdvertisementsToPools,
// validateBGPAdvPerPool; validation.go findIPv6BGPAdvertisement, validateConfig). The
// BGPAdvertisement webhook sees every pool, the IPAddressPool webhook sees no advertisement: when the
// pool is the object that changed last, only the speakers refuse the result.
import type { ConfigModel, Entity, Finding } from '../model.js';
import { latest } from '../model.js';
import { formatCidr, poolEntries, poolParses, type Cidr } from '../pool-addresses.js';
import type { BGPAdvertisementSpec, PoolSpec } from '../shapes.js';
import { goQuote } from '../go-format.js';
import { ipv6CheckIgnoresSelection } from '../versions.js';
import { anyMatches, selectorListKey } from './selectors.js';

type Adv = Entity<BGPAdvertisementSpec>;
type Pool = Entity<PoolSpec>;

/** Pools an advertisement selects, by name, label, or all when it names none. */
export function selectedPools(adv: Adv, pools: readonly Pool[]): Pool[] {
  const names = adv.spec.ipAddressPools ?? [];
  const selectors = adv.spec.ipAddressPoolSelectors ?? [];
  if (names.length === 0 && selectors.length === 0) return [...pools];
  return pools.filter((pool) => names.includes(pool.object.name) || anyMatches(selectors, pool.object.labels));
}

/** Where a problem between an advertisement and a pool shows in the advertisement. */
function selectionField(adv: Adv, pool: Pool): string | null {
  const index = (adv.spec.ipAddressPools ?? []).indexOf(pool.object.name);
  if (index >= 0) return `spec.ipAddressPools[${index}]`;
  return (adv.spec.ipAddressPoolSelectors ?? []).length > 0 ? 'spec.ipAddressPoolSelectors' : null;
}

const lowestPrefix = (cidrs: readonly Cidr[]): number => Math.min(...cidrs.map((cidr) => cidr.prefix));

function aggregationFindings(adv: Adv, pool: Pool): Finding[] {
  const v4 = adv.spec.aggregationLength ?? 32;
  const v6 = adv.spec.aggregationLengthV6 ?? 128;
  return poolEntries(pool).flatMap((entry): Finding[] => {
    const cidrs = entry.cidrs ?? [];
    if (cidrs.length === 0) return [];
    const isV4 = cidrs[0]!.family === 'IPv4';
    const lowest = lowestPrefix(cidrs);
    if ((isV4 ? v4 : v6) >= lowest) return [];
    // MetalLB prints the IPv4 length even for an IPv6 entry.
    const message =
      `invalid aggregation length ${v4}: prefix ${lowest} in this pool is more specific than the ` +
      `aggregation length for addresses ${entry.text}`;
    const rule = 'aggregation-length-too-short';
    if (latest(adv, pool) === pool) {
      return [{ on: pool, rule, by: 'speaker', field: `spec.addresses[${entry.index}]`, message }];
    }
    return [
      { on: adv, rule, by: 'webhook', field: isV4 ? 'spec.aggregationLength' : 'spec.aggregationLengthV6', message },
    ];
  });
}

function familiesOf(pool: Pool): { v4: boolean; v6: boolean } {
  const cidrs = poolEntries(pool).flatMap((entry) => entry.cidrs ?? []);
  return { v4: cidrs.some((cidr) => cidr.family === 'IPv4'), v6: cidrs.some((cidr) => cidr.family === 'IPv6') };
}

const aggregationLengths = (adv: Adv) => ({
  v4: adv.spec.aggregationLength ?? 32,
  v6: adv.spec.aggregationLengthV6 ?? 128,
});

// isAggrLengthDifferent: advertisements with different aggregation lengths make different updates.
function aggregationDiffers(one: Adv, other: Adv, pool: Pool): boolean {
  const { v4, v6 } = familiesOf(pool);
  const [lengths, otherLengths] = [aggregationLengths(one), aggregationLengths(other)];
  const differsV4 = lengths.v4 !== otherLengths.v4;
  const differsV6 = lengths.v6 !== otherLengths.v6;
  if (!v4 && !v6) return true;
  // A family the pool lacks cannot make the two updates differ.
  return (differsV4 && !v6) || (differsV6 && !v4) || (differsV4 && differsV6);
}

// Nodes are not part of the input: an advertisement without nodeSelectors covers every node, two
// with different selectors are taken to select different nodes (MetalLB checks the real nodes).
function mayShareNodes(one: Adv, other: Adv): boolean {
  const [a, b] = [one.spec.nodeSelectors ?? [], other.spec.nodeSelectors ?? []];
  return a.length === 0 || b.length === 0 || selectorListKey(a) === selectorListKey(b);
}

function peersDisjoint(one: Adv, other: Adv): boolean {
  const [a, b] = [one.spec.peers ?? [], other.spec.peers ?? []];
  return a.length > 0 && b.length > 0 && !a.some((peer) => b.includes(peer));
}

/** BGPAdvertisementsHaveCompatibleLocalPref. */
function compatibleLocalPref(one: Adv, other: Adv, pool: Pool): boolean {
  if ((one.spec.localPref ?? 0) === (other.spec.localPref ?? 0)) return true;
  if (aggregationDiffers(one, other, pool)) return true;
  return peersDisjoint(one, other) || !mayShareNodes(one, other);
}

function localPrefFinding(adv: Adv, earlier: Adv, pool: Pool): Finding {
  const message =
    `invalid local preference ${adv.spec.localPref ?? 0}: local preferernce ${earlier.spec.localPref ?? 0} was ` +
    'already set for the same type of BGP update. Check existing BGP advertisements with common pools and ' +
    'aggregation lengths';
  const on = latest(adv, earlier, pool);
  const rule = 'local-pref-conflict';
  if (on === pool) return { on, rule, by: 'speaker', field: null, message };
  return { on, rule, by: 'webhook', field: 'spec.localPref', message };
}

const hasServiceSelectors = (adv: Adv): boolean => (adv.spec.serviceSelectors ?? []).length > 0;

function aggregationAndLocalPref(model: ConfigModel): Finding[] {
  const findings: Finding[] = [];
  const attached = new Map<Pool, Adv[]>();
  const pools = model.pools.filter(poolParses);
  for (const adv of model.bgpAdvertisements) {
    for (const pool of selectedPools(adv, pools)) {
      findings.push(...aggregationFindings(adv, pool));
      const earlier = attached.get(pool) ?? [];
      const conflicts = hasServiceSelectors(adv)
        ? []
        : earlier.filter((other) => !hasServiceSelectors(other) && !compatibleLocalPref(adv, other, pool));
      findings.push(...conflicts.map((other) => localPrefFinding(adv, other, pool)));
      attached.set(pool, [...earlier, adv]);
    }
  }
  return findings;
}

function firstV6(pool: Pool): { cidr: Cidr; entry: number } | null {
  for (const entry of poolEntries(pool)) {
    const cidr = (entry.cidrs ?? []).find((candidate) => candidate.family === 'IPv6');
    if (cidr !== undefined) return { cidr, entry: entry.index };
  }
  return null;
}

/** Native mode: no IPv6 pool may be selected by a BGPAdvertisement. */
function nativeIPv6(model: ConfigModel): Finding[] {
  if (model.bgpType !== 'native' || model.bgpAdvertisements.length === 0) return [];
  return model.pools.flatMap((pool): Finding[] => {
    const v6 = firstV6(pool);
    const selects = (adv: Adv) =>
      ipv6CheckIgnoresSelection(model.metallbVersion) || selectedPools(adv, [pool]).length > 0;
    const selecting = model.bgpAdvertisements.filter(selects);
    if (v6 === null || selecting.length === 0) return [];
    const cidr = formatCidr(v6.cidr);
    const message = `pool ${goQuote(pool.object.name)} has ipv6 CIDR ${cidr}, native bgp mode does not support ipv6`;
    const on = latest(pool, ...selecting) as Pool | Adv;
    const rule = 'ipv6-native-bgp';
    if (on === pool) return [{ on, rule, by: 'speaker', field: `spec.addresses[${v6.entry}]`, message }];
    return [{ on, rule, by: 'webhook', field: selectionField(on as Adv, pool), message }];
  });
}

/** validateConfig: an IPv6 pool announced to a peer whose BFD profile has echo mode. Speakers only. */
function bfdEchoOnIPv6(model: ConfigModel): Finding[] {
  const echoProfiles = new Map(
    model.bfdProfiles.filter((bfd) => bfd.spec.echoMode === true).map((bfd) => [bfd.object.name, bfd]),
  );
  if (echoProfiles.size === 0) return [];
  const v6Pools = model.pools.filter((pool) => poolParses(pool) && familiesOf(pool).v6);
  return model.bgpAdvertisements.flatMap((adv) =>
    selectedPools(adv, v6Pools).flatMap((pool) => {
      const named = adv.spec.peers ?? [];
      const peers = model.peers.filter((peer) => named.length === 0 || named.includes(peer.object.name));
      return peers.flatMap((peer): Finding[] => {
        const profile = echoProfiles.get(peer.spec.bfdProfile ?? '');
        if (profile === undefined) return [];
        const message =
          `pool ${pool.object.name} has bgpadvertisement ${adv.object.name} which references peer ` +
          `${peer.object.name} which has bfd echo enabled, which is not possible`;
        const on = latest(pool, adv, peer, profile);
        const fields: Record<string, string> = {
          IPAddressPool: 'spec.addresses',
          BGPAdvertisement: 'spec.peers',
          BGPPeer: 'spec.bfdProfile',
          BFDProfile: 'spec.echoMode',
        };
        return [{ on, rule: 'bfd-echo-ipv6', by: 'speaker', field: fields[on.object.kind] ?? null, message }];
      });
    }),
  );
}

/** Every rule between BGP advertisements and pools. */
export function bgpPoolRules(model: ConfigModel): Finding[] {
  return [...aggregationAndLocalPref(model), ...nativeIPv6(model), ...bfdEchoOnIPv6(model)];
}
