// Check 6: L2/BGP advertisements against pools, nodes, peers and communities, as the speakers'
// config parser sees them (config.go setL2/BGPAdvertisementsToPools, validateBGPAdvPerPool).
import type { AddressInterval } from '../addresses.js';
import type { BGPAdvertisement, L2Advertisement } from '../kube-schemas.js';
import { anySelectorMatches, describeSelector } from '../selectors.js';
import type { DiagnoseContext, Rule } from './context.js';
import { findingsOf } from './finding.js';
import { manualFix, reapplyConfigFix } from './fixes.js';
import { poolRef, type PoolView } from './pools.js';
import type { Finding, ObjectRef } from './report.js';

const finding = findingsOf('advertisements');

type Advertisement = L2Advertisement | BGPAdvertisement;

/** An advertisement with the pools it applies to. */
export interface AdvertisementView {
  adv: Advertisement;
  ref: ObjectRef;
  /** Applies to every pool (no ipAddressPools and no selectors). */
  all: boolean;
  /** Existing pools it names or selects. */
  pools: PoolView[];
}

function viewAdvertisement(ctx: DiagnoseContext, adv: Advertisement): AdvertisementView {
  const names = adv.spec.ipAddressPools ?? [];
  const selectors = adv.spec.ipAddressPoolSelectors ?? [];
  const all = names.length === 0 && selectors.length === 0;
  const named = names.flatMap((n) => ctx.poolsByName.get(n) ?? []);
  const selected =
    selectors.length === 0 ? [] : ctx.pools.filter((p) => anySelectorMatches(selectors, p.pool.metadata.labels));
  const ref: ObjectRef = {
    kind: adv.kind,
    namespace: adv.metadata.namespace ?? ctx.namespace,
    name: adv.metadata.name,
  };
  return { adv, ref, all, pools: all ? ctx.pools : [...new Set([...named, ...selected])] };
}

// Built once per diagnosis: this check, the announcement check and explain all read them.
const viewsOf = new WeakMap<DiagnoseContext, AdvertisementView[]>();

/** Every advertisement in MetalLB's namespace, L2 first, with the pools it applies to. */
export function advertisementViews(ctx: DiagnoseContext): AdvertisementView[] {
  let views = viewsOf.get(ctx);
  if (views === undefined) viewsOf.set(ctx, (views = buildAdvertisementViews(ctx)));
  return views;
}

function buildAdvertisementViews(ctx: DiagnoseContext): AdvertisementView[] {
  const inNs = (a: Advertisement) => ctx.inMetallbNamespace(a.metadata.namespace);
  return [...ctx.snapshot.l2Advertisements.filter(inNs), ...ctx.snapshot.bgpAdvertisements.filter(inNs)].map((a) =>
    viewAdvertisement(ctx, a),
  );
}

// ---------------------------------------------------------------------------------------------
// References that resolve to nothing

function unknownPools(ctx: DiagnoseContext, view: AdvertisementView): Finding[] {
  return (view.adv.spec.ipAddressPools ?? [])
    .filter((name) => !ctx.poolsByName.has(name))
    .map((name) =>
      finding({
        id: 'advertisement-unknown-pool',
        severity: 'warning',
        title: `${view.ref.kind} ${view.ref.name} names IPAddressPool ${name}, which does not exist`,
        detail: 'MetalLB silently skips the name, so that pool is not announced by this advertisement.',
        objects: [view.ref],
        data: { pool: name },
      }),
    );
}

function selectorsMatchingNothing(view: AdvertisementView): Finding[] {
  const selectors = view.adv.spec.ipAddressPoolSelectors ?? [];
  const byName = new Set(view.adv.spec.ipAddressPools ?? []);
  if (selectors.length === 0 || view.pools.some((p) => !byName.has(p.name))) return [];
  const text = selectors.map(describeSelector).join(' or ');
  return [
    finding({
      id: 'advertisement-selector-matches-no-pool',
      severity: 'warning',
      title: `${view.ref.kind} ${view.ref.name} selects pools by labels (${text}) but no IPAddressPool matches`,
      detail: 'Nothing is announced through these selectors; check the pool labels.',
      objects: [view.ref],
      data: { selectors: text },
    }),
  ];
}

function selectorsMatchingNoNode(ctx: DiagnoseContext, view: AdvertisementView): Finding[] {
  const selectors = view.adv.spec.nodeSelectors ?? [];
  const nodes = ctx.snapshot.nodes;
  if (
    selectors.length === 0 ||
    nodes.length === 0 ||
    nodes.some((n) => anySelectorMatches(selectors, n.metadata.labels))
  )
    return [];
  const text = selectors.map(describeSelector).join(' or ');
  return [
    finding({
      id: 'advertisement-selector-matches-no-node',
      severity: 'warning',
      title: `${view.ref.kind} ${view.ref.name} announces only from nodes matching ${text}, and no node matches`,
      detail: 'The pools of this advertisement are announced from no node through it.',
      objects: [view.ref],
      data: { selectors: text },
    }),
  ];
}

function peerNames(ctx: DiagnoseContext): Set<string> {
  return new Set(
    ctx.snapshot.bgpPeers.filter((p) => ctx.inMetallbNamespace(p.metadata.namespace)).map((p) => p.metadata.name),
  );
}

function unknownPeers(view: AdvertisementView, peers: ReadonlySet<string>): Finding[] {
  if (view.adv.kind !== 'BGPAdvertisement') return [];
  return (view.adv.spec.peers ?? [])
    .filter((name) => !peers.has(name))
    .map((name) =>
      finding({
        id: 'bgp-advertisement-unknown-peer',
        severity: 'warning',
        title: `BGPAdvertisement ${view.ref.name} announces to BGPPeer ${name}, which does not exist`,
        detail: 'No session is established for that name, so nothing is announced to it.',
        objects: [view.ref],
        data: { peer: name },
      }),
    );
}

// ---------------------------------------------------------------------------------------------
// Communities (internal/bgp/community.New): "NN:NN" (uint16), "large:NN:NN:NN" (uint32), or an alias

const uint = (text: string, max: number): boolean => /^\d+$/.test(text) && Number(text) <= max;

/** null when valid, else MetalLB's error text. */
export function communityError(value: string): string | null {
  const fields = value.split(':');
  if (fields.length === 2) return fields.every((f) => uint(f, 0xffff)) ? null : `invalid community value: ${value}`;
  if (fields.length === 4) {
    const valid = fields[0] === 'large' && fields.slice(1).every((f) => uint(f, 0xffffffff));
    return valid ? null : `invalid community value: ${value}`;
  }
  return `invalid community format: ${value}`;
}

function communityAliases(ctx: DiagnoseContext): Map<string, { value: string; owner: string }> {
  const aliases = new Map<string, { value: string; owner: string }>();
  for (const c of ctx.snapshot.communities.filter((x) => ctx.inMetallbNamespace(x.metadata.namespace))) {
    for (const entry of c.spec.communities ?? [])
      aliases.set(entry.name, { value: entry.value, owner: c.metadata.name });
  }
  return aliases;
}

function invalidCommunities(view: AdvertisementView, aliases: Map<string, unknown>): Finding[] {
  if (view.adv.kind !== 'BGPAdvertisement') return [];
  return (view.adv.spec.communities ?? []).flatMap((value) => {
    const error = aliases.has(value) ? null : communityError(value);
    if (error === null) return [];
    const message = `${error}; invalid community ${JSON.stringify(value)} in BGP advertisement`;
    return [
      finding({
        id: 'bgp-advertisement-invalid-community',
        severity: 'error',
        title:
          `BGPAdvertisement ${view.ref.name} uses community "${value}", which is neither a valid value nor ` +
          `a Community alias`,
        detail:
          `Speakers reject the whole configuration with: ${message}. A missing alias passes the webhook ` +
          `(it is treated as transient).`,
        objects: [view.ref],
        fix: reapplyConfigFix(
          'Create the Community alias or correct the value (NN:NN or large:NN:NN:NN), then re-apply the configuration.',
        ),
        data: { community: value, error: message },
      }),
    ];
  });
}

function invalidAliases(ctx: DiagnoseContext): Finding[] {
  return [...communityAliases(ctx)].flatMap(([name, { value, owner }]) => {
    const error = communityError(value);
    if (error === null) return [];
    return [
      finding({
        id: 'community-alias-invalid',
        severity: 'error',
        title: `Community ${owner} defines alias ${name} with invalid value "${value}"`,
        detail:
          `MetalLB fails with: parsing community ${JSON.stringify(name)}: ${error}. The controller and ` +
          `the speakers reject the whole configuration.`,
        objects: [{ kind: 'Community', namespace: ctx.namespace, name: owner }],
        fix: reapplyConfigFix('Correct the value (NN:NN or large:NN:NN:NN), then re-apply the configuration.'),
        data: { alias: name, value, error },
      }),
    ];
  });
}

// ---------------------------------------------------------------------------------------------
// Aggregation length vs pool prefixes

/** Prefix of the largest CIDR in the summary of [first, last] (MetalLB's lowestMask per entry). */
export function shortestSummaryPrefix(interval: AddressInterval): number {
  const bits = interval.family === 'IPv4' ? 32 : 128;
  let best = bits;
  for (let cursor = interval.first; cursor <= interval.last;) {
    let size = 1n;
    let prefix = bits;
    while (prefix > 0 && cursor % (size * 2n) === 0n && cursor + size * 2n - 1n <= interval.last)
      [size, prefix] = [size * 2n, prefix - 1];
    best = Math.min(best, prefix);
    cursor += size;
  }
  return best;
}

interface TooShort {
  interval: AddressInterval;
  prefix: number;
  length: number;
}

function tooShortEntries(pool: PoolView, v4: number, v6: number): TooShort[] {
  return pool.intervals
    .map((interval) => ({
      interval,
      prefix: shortestSummaryPrefix(interval),
      length: interval.family === 'IPv4' ? v4 : v6,
    }))
    .filter((x) => x.length < x.prefix);
}

function aggregationFinding(view: AdvertisementView, pool: PoolView, bad: readonly TooShort[], v4: number): Finding {
  const first = bad[0]!;
  // MetalLB prints the IPv4 aggregationLength even for IPv6 entries; kept verbatim for grepping.
  const message =
    `invalid aggregation length ${v4}: prefix ${first.prefix} in this pool is more specific than ` +
    `the aggregation length for addresses ${first.interval.text}`;
  const field = first.interval.family === 'IPv4' ? 'aggregationLength' : 'aggregationLengthV6';
  return finding({
    id: 'bgp-aggregation-length-too-short',
    severity: 'error',
    title:
      `BGPAdvertisement ${view.ref.name} has ${field} ${first.length}, shorter than prefix ` +
      `/${first.prefix} of ${first.interval.text} in pool ${pool.name}`,
    detail:
      `Speakers reject the whole configuration with: ${message}. The pool webhook does not check ` +
      `advertisements, so narrowing ` +
      'a pool can cause this; the controller keeps allocating while speakers run the old config.',
    objects: [view.ref, poolRef(pool)],
    fix: reapplyConfigFix(
      `Set ${field} to at most ${first.prefix} (or widen the pool entries), then re-apply the configuration.`,
    ),
    data: { message, entries: bad.map((b) => b.interval.text) },
  });
}

function aggregationProblems(view: AdvertisementView): Finding[] {
  if (view.adv.kind !== 'BGPAdvertisement') return [];
  const v4 = view.adv.spec.aggregationLength ?? 32;
  const v6 = view.adv.spec.aggregationLengthV6 ?? 128;
  if (v4 >= 32 && v6 >= 128) return [];
  return view.pools.flatMap((pool) => {
    const bad = tooShortEntries(pool, v4, v6);
    return bad.length === 0 ? [] : [aggregationFinding(view, pool, bad, v4)];
  });
}

// ---------------------------------------------------------------------------------------------
// Pools nobody announces

function unannouncedPools(ctx: DiagnoseContext, views: readonly AdvertisementView[]): Finding[] {
  if (views.some((v) => v.all)) return [];
  const announced = new Set(views.flatMap((v) => v.pools.map((p) => p.name)));
  const ns = ctx.namespace ?? 'metallb-system';
  return ctx.pools
    .filter((pool) => !announced.has(pool.name))
    .map((pool) => {
      const users = ctx.usage.get(pool.name)?.services.size ?? 0;
      const unreachable = users > 0 ? `: ${users} Service(s) hold IPs from it that nobody can reach` : '';
      return finding({
        id: 'pool-not-advertised',
        severity: users > 0 ? 'error' : 'warning',
        title: `IPAddressPool ${pool.name} is announced by no L2Advertisement or BGPAdvertisement${unreachable}`,
        detail:
          'Deleting or narrowing the last advertisement for a pool is never validated and logs nothing: ' +
          'IPs stay assigned but unreachable.',
        objects: [poolRef(pool)],
        fix: manualFix(
          `kubectl -n ${ns} get l2advertisements,bgpadvertisements -o yaml`,
          `Add ${pool.name} to an advertisement's spec.ipAddressPools (or create one); MetalLB assigns IPs from ` +
            `an unannounced pool but no node answers for them.`,
        ),
        data: { servicesUsingPool: users },
      });
    });
}

export const findAdvertisementProblems: Rule = (ctx) => {
  const views = advertisementViews(ctx);
  const aliases = communityAliases(ctx);
  const peers = peerNames(ctx);
  return [
    ...views.flatMap((v) => [
      ...unknownPools(ctx, v),
      ...selectorsMatchingNothing(v),
      ...selectorsMatchingNoNode(ctx, v),
      ...unknownPeers(v, peers),
      ...invalidCommunities(v, aliases),
      ...aggregationProblems(v),
    ]),
    ...invalidAliases(ctx),
    ...unannouncedPools(ctx, views),
  ];
};
