// L2Advertisement and BGPAdvertisement rules of their own (config.go l2AdvertisementFromCR,
// bgpAdvertisementFromCR): their webhooks parse every advertisement of the kind, so they refuse these.
// References to pools or peers that do not exist MetalLB takes silently; we refuse them (`tool`):
// such an advertisement announces nothing for that name, which is never what the author meant.
import { goQuote, goQuoteRune } from '../go-format.js';
import { selectorValueText } from '../label-syntax.js';
import type { ConfigModel, Entity, Finding } from '../model.js';
import type { BGPAdvertisementSpec, L2AdvertisementSpec, LabelSelectorSpec } from '../shapes.js';
import { anyMatches, duplicateSelectors, selectorError } from './selectors.js';

type Advertisement = Entity<L2AdvertisementSpec | BGPAdvertisementSpec>;

const webhookFinding = (on: Advertisement, rule: string, field: string, message: string): Finding => ({
  on,
  rule,
  by: 'webhook',
  field,
  message,
});

/** Where a string list sits and what MetalLB calls it in its messages. */
export interface NamedList {
  field: string;
  goName: string;
}

/** validateDuplicate over a string list: one finding per repeated item. */
export function duplicateNames(on: Entity<unknown>, list: readonly string[] | null | undefined, names: NamedList) {
  const items = list ?? [];
  return items.flatMap((item, index): Finding[] => {
    if (items.indexOf(item) === index) return [];
    const message = `duplicate definition of ${names.goName} ${goQuote(item)}`;
    return [{ on, rule: 'duplicate-entry', by: 'webhook', field: `${names.field}[${index}]`, message }];
  });
}

// How MetalLB wraps a selector's conversion error, per list.
function wrapSelectorError(on: Advertisement, listName: string, selector: LabelSelectorSpec, error: string): string {
  const text = selectorValueText(selector);
  if (listName === 'serviceSelectors') {
    return `invalid service selector ${text}: ${error}; failed to parse service selector for ${on.object.name}`;
  }
  const invalid = `${error}; invalid label selector ${text}`;
  return listName === 'nodeSelectors' ? `${invalid}; failed to parse node selector for ${on.object.name}` : invalid;
}

function selectorListFindings(on: Advertisement, listName: string, list: readonly LabelSelectorSpec[]): Finding[] {
  const duplicates = duplicateSelectors(list, listName).map((dup) =>
    webhookFinding(on, 'duplicate-selector', `spec.${listName}[${dup.index}]`, dup.message),
  );
  const invalid = list.flatMap((selector, index) => {
    const error = selectorError(selector);
    if (error === null) return [];
    const message = wrapSelectorError(on, listName, selector, error);
    return [webhookFinding(on, 'invalid-selector', `spec.${listName}[${index}]`, message)];
  });
  return [...duplicates, ...invalid];
}

function referenceFindings(on: Advertisement, model: ConfigModel): Finding[] {
  const names = on.spec.ipAddressPools ?? [];
  const selectors = on.spec.ipAddressPoolSelectors ?? [];
  const poolNames = new Set(model.pools.map((pool) => pool.object.name));
  const findings = names.flatMap((pool, index): Finding[] => {
    if (poolNames.has(pool)) return [];
    const message =
      `${on.object.kind} ${goQuote(on.object.name)} names IPAddressPool ${goQuote(pool)}, which does not exist: ` +
      'MetalLB accepts this and announces nothing for that name; create the pool or fix the name';
    return [{ on, rule: 'missing-pool-reference', by: 'tool', field: `spec.ipAddressPools[${index}]`, message }];
  });
  const selectsNothing = !model.pools.some((pool) => anyMatches(selectors, pool.object.labels));
  if (names.length === 0 && selectors.length > 0 && selectsNothing) {
    const message =
      `${on.object.kind} ${goQuote(on.object.name)}: no IPAddressPool matches spec.ipAddressPoolSelectors, ` +
      'so it announces nothing; label the pools or fix the selectors';
    findings.push({ on, rule: 'selects-no-pool', by: 'tool', field: 'spec.ipAddressPoolSelectors', message });
  }
  return findings;
}

function commonFindings(on: Advertisement, model: ConfigModel): Finding[] {
  const spec = on.spec;
  const lists = {
    ipAddressPoolSelectors: spec.ipAddressPoolSelectors ?? [],
    nodeSelectors: spec.nodeSelectors ?? [],
    serviceSelectors: spec.serviceSelectors ?? [],
  };
  const findings = duplicateNames(on, spec.ipAddressPools, { field: 'spec.ipAddressPools', goName: 'ipAddressPools' });
  for (const [listName, list] of Object.entries(lists)) findings.push(...selectorListFindings(on, listName, list));
  findings.push(...referenceFindings(on, model));
  return findings;
}

function aggregationFindings(on: Entity<BGPAdvertisementSpec>): Finding[] {
  const { aggregationLength, aggregationLengthV6, localPref } = on.spec;
  const findings: Finding[] = [];
  if ((aggregationLength ?? 32) > 32) {
    const message = `invalid aggregation length ${goQuoteRune(aggregationLength!)} for IPv4`;
    findings.push(webhookFinding(on, 'invalid-aggregation-length', 'spec.aggregationLength', message));
  }
  if ((aggregationLengthV6 ?? 128) > 128) {
    const message = `invalid aggregation length ${goQuoteRune(aggregationLengthV6!)} for IPv6`;
    findings.push(webhookFinding(on, 'invalid-aggregation-length', 'spec.aggregationLengthV6', message));
  }
  if ((localPref ?? 0) < 0 || (localPref ?? 0) > 4294967295) {
    const message =
      `json: cannot unmarshal number ${localPref} into Go struct field ` +
      'BGPAdvertisementSpec.spec.localPref of type uint32';
    findings.push(webhookFinding(on, 'invalid-local-pref', 'spec.localPref', message));
  }
  return findings;
}

function bgpFindings(on: Entity<BGPAdvertisementSpec>, model: ConfigModel): Finding[] {
  const findings = [
    ...commonFindings(on, model),
    ...duplicateNames(on, on.spec.communities, { field: 'spec.communities', goName: 'community' }),
    ...duplicateNames(on, on.spec.peers, { field: 'spec.peers', goName: 'peers' }),
    ...aggregationFindings(on),
  ];
  const peerNames = new Set(model.peers.map((peer) => peer.object.name));
  (on.spec.peers ?? []).forEach((peer, index) => {
    if (peerNames.has(peer)) return;
    const message =
      `BGPAdvertisement ${goQuote(on.object.name)} names BGPPeer ${goQuote(peer)}, which does not exist: ` +
      'MetalLB accepts this and announces to no such peer; create the peer or fix the name';
    findings.push({ on, rule: 'missing-peer-reference', by: 'tool', field: `spec.peers[${index}]`, message });
  });
  return findings;
}

/** Every advertisement problem that needs no other object than the advertisement (and names of others). */
export function advertisementRules(model: ConfigModel): Finding[] {
  return [
    ...model.l2Advertisements.flatMap((adv) => commonFindings(adv, model)),
    ...model.bgpAdvertisements.flatMap((adv) => bgpFindings(adv, model)),
  ];
}
