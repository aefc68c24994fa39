// BGPPeer rules (config.go peerFromCR, parseTimers, peersFor; validation.go DiscardFRROnly and
// checkFRRPeersCompatible). The BGPPeer webhook parses every peer with bfdProfile and passwordSecret
// cleared (resetTransientErrorsFields), so problems with those two only the speakers refuse.
import { parseIp } from '../../addresses.js';
import { formatGoDuration, goQuote, parseGoDuration } from '../go-format.js';
import type { ConfigModel, Entity, Finding } from '../model.js';
import type { BGPPeerSpec } from '../shapes.js';
import { isBefore, webhookChecksReferences } from '../versions.js';
import { duplicateSelectors, selectorError, selectorListKey } from './selectors.js';

type Peer = Entity<BGPPeerSpec>;

const finding = (on: Peer, rule: string, field: string, message: string): Finding => ({
  on,
  rule,
  by: 'webhook',
  field,
  message,
});

const speakerFinding = (on: Peer, rule: string, field: string, message: string): Finding => ({
  ...finding(on, rule, field, message),
  by: 'speaker',
});

const parsing = (peer: Peer, detail: string) => `parsing peer ${peer.object.name} ${detail}`;

/** A peerFromCR check: when `fails`, the rule, field and MetalLB's detail. */
type PeerCheck = [fails: (spec: BGPPeerSpec) => boolean, rule: string, field: string, detail: string];

const asnChecks: PeerCheck[] = [
  [(spec) => (spec.myASN ?? 0) === 0, 'missing-local-asn', 'spec.myASN', 'missing local ASN'],
  [
    (spec) => (spec.peerASN ?? 0) === 0 && !spec.dynamicASN,
    'missing-peer-asn',
    'spec.peerASN',
    'missing peer ASN and dynamicASN',
  ],
  [
    (spec) => (spec.peerASN ?? 0) !== 0 && Boolean(spec.dynamicASN),
    'asn-and-dynamic-asn',
    'spec.dynamicASN',
    'both peer ASN and dynamicASN specified',
  ],
  [
    (spec) => (spec.peerASN ?? 0) === (spec.myASN ?? 0) && spec.ebgpMultiHop === true,
    'ebgp-multihop-ibgp',
    'spec.ebgpMultiHop',
    'invalid ebgp-multihop parameter set for an ibgp peer',
  ],
];

function asnFindings(peer: Peer): Finding[] {
  return asnChecks
    .filter(([fails]) => fails(peer.spec))
    .map(([, rule, field, detail]) => finding(peer, rule, field, parsing(peer, detail)));
}

function addressFindings(peer: Peer): Finding[] {
  const { peerAddress, interface: iface, routerID, sourceAddress } = peer.spec;
  const findings: Finding[] = [];
  if (!peerAddress && !iface) {
    findings.push(
      finding(peer, 'peer-no-address', 'spec.peerAddress', parsing(peer, 'peer has no Address or Interface specified')),
    );
  }
  if (peerAddress && iface) {
    const message = parsing(peer, 'peer has both Address and Interface specified');
    findings.push(finding(peer, 'peer-address-and-interface', 'spec.interface', message));
  }
  const checks: [string | null | undefined, string, string, string][] = [
    [peerAddress, 'spec.peerAddress', 'invalid-peer-address', 'invalid BGPPeer address'],
    [routerID, 'spec.routerID', 'invalid-router-id', 'invalid router ID'],
    [sourceAddress, 'spec.sourceAddress', 'invalid-source-address', 'invalid source IP'],
  ];
  for (const [text, field, rule, what] of checks) {
    if (text && parseIp(text) === null)
      findings.push(finding(peer, rule, field, parsing(peer, `${what} ${goQuote(text)}`)));
  }
  return findings;
}

// MetalLB quotes the *metav1.Duration itself: its generated String(), or <nil> when the field is unset.
const quoteDuration = (text: string | null | undefined): string => {
  const seconds = text ? parseGoDuration(text) : null;
  return seconds === null ? '<nil>' : goQuote(`&Duration{Duration:${formatGoDuration(seconds)},}`);
};

function timerFindings(peer: Peer): Finding[] {
  const { holdTime, keepaliveTime } = peer.spec;
  const fields: [string | null | undefined, string][] = [
    [holdTime, 'spec.holdTime'],
    [keepaliveTime, 'spec.keepaliveTime'],
  ];
  const undecodable = fields.filter(([text]) => text !== null && text !== undefined && parseGoDuration(text) === null);
  // The webhook cannot even decode the object: metav1.Duration is Go's time.ParseDuration.
  if (undecodable.length > 0) {
    return undecodable.map(([text, field]) =>
      finding(peer, 'invalid-duration', field, `time: invalid duration ${goQuote(text!)}`),
    );
  }
  if (!holdTime && !keepaliveTime) return [];
  const hold = holdTime ? parseGoDuration(holdTime)! : parseGoDuration(keepaliveTime!)! * 3;
  const keepalive = keepaliveTime ? parseGoDuration(keepaliveTime)! : hold / 3;
  const prefix = 'invalid BGPPeer timers: ';
  const rounded = Math.trunc(hold);
  if (rounded !== 0 && rounded < 3) {
    const message = parsing(peer, `${prefix}invalid hold time ${quoteDuration(holdTime)}: must be 0 or >=3s`);
    return [finding(peer, 'invalid-hold-time', 'spec.holdTime', message)];
  }
  if (keepalive > hold) {
    const detail =
      `invalid keepaliveTime ${quoteDuration(keepaliveTime)}, ` +
      `must be lower than holdTime ${quoteDuration(holdTime)}`;
    return [finding(peer, 'keepalive-above-hold', 'spec.keepaliveTime', parsing(peer, prefix + detail))];
  }
  return [];
}

function selectorFindings(peer: Peer): Finding[] {
  const list = peer.spec.nodeSelectors ?? [];
  const suffix = `; failed to convert peer ${peer.object.name} node selector`;
  const duplicates = duplicateSelectors(list, 'nodeSelectors').map((dup) =>
    finding(peer, 'duplicate-selector', `spec.nodeSelectors[${dup.index}]`, parsing(peer, dup.message)),
  );
  const invalid = list.flatMap((selector, index) => {
    const error = selectorError(selector);
    return error === null
      ? []
      : [finding(peer, 'invalid-selector', `spec.nodeSelectors[${index}]`, parsing(peer, error + suffix))];
  });
  return [...duplicates, ...invalid];
}

function referenceFindings(peer: Peer, model: ConfigModel): Finding[] {
  const findings: Finding[] = [];
  const { password, passwordSecret, bfdProfile } = peer.spec;
  if (password && passwordSecret?.name) {
    const where = `${goQuote(peer.object.namespace)}/${goQuote(peer.object.name)}`;
    const message = parsing(peer, `can not have both password and secret ref set in peer config ${where}`);
    const refuse = webhookChecksReferences(model.metallbVersion) ? finding : speakerFinding;
    findings.push(refuse(peer, 'password-and-secret', 'spec.passwordSecret', message));
  }
  const profiles = new Set(model.bfdProfiles.map((profile) => profile.object.name));
  if (bfdProfile && !profiles.has(bfdProfile)) {
    const message = `peer ${peer.object.name} referencing non existing bfd profile ${bfdProfile}`;
    findings.push(speakerFinding(peer, 'missing-bfd-profile', 'spec.bfdProfile', message));
  }
  return findings;
}

// DiscardFRROnly, in MetalLB's order; it names the peer by its address.
const nativeOnlyFrr: [keyof BGPPeerSpec, string][] = [
  ['keepaliveTime', 'keepalive-time'],
  ['vrf', 'vrf'],
  ['connectTime', 'connect time'],
  ['enableGracefulRestart', 'EnableGracefulRestart flag'],
  ['disableMP', 'disable MP flag'],
  ['dualStackAddressFamily', 'dualstackaddressfamily flag'],
  ['dynamicASN', 'dynamicASN'],
  ['interface', 'interface'],
  ['localASN', 'localASN'],
];

function nativeFindings(peer: Peer, version: string | null): Finding[] {
  const spec = peer.spec;
  const name = spec.peerAddress ?? '';
  const findings = nativeOnlyFrr
    .filter(([field]) => Boolean(field === 'keepaliveTime' ? parseGoDuration(spec.keepaliveTime ?? '0') : spec[field]))
    .map(([field, what]) =>
      finding(peer, 'native-unsupported', `spec.${field}`, `peer ${name} has ${what} set on native bgp mode`),
    );
  if (spec.bfdProfile) {
    const message = `peer ${name} has bfd-profile set on native bgp mode`;
    const refuse = webhookChecksReferences(version) ? finding : speakerFinding;
    findings.unshift(refuse(peer, 'native-unsupported', 'spec.bfdProfile', message));
  }
  return findings;
}

const identifier = (spec: BGPPeerSpec): string => {
  const id = spec.peerAddress || (spec.interface ?? '');
  return spec.vrf ? `${id}-${spec.vrf}` : id;
};

// Nodes are not part of the input: MetalLB itself assumes peers share a node when it knows no nodes;
// two peers with different nodeSelectors are taken to select different nodes.
const mayShareNode = (one: Peer, other: Peer): boolean => {
  const [a, b] = [one.spec.nodeSelectors ?? [], other.spec.nodeSelectors ?? []];
  return a.length === 0 || b.length === 0 || selectorListKey(a) === selectorListKey(b);
};

/** checkFRRPeersCompatible's wording: v0.16.0 exempted peers on disjoint nodes and reworded it. */
interface FrrWording {
  routerId: string;
  duplicate: string;
  myAsn: string;
  /** Before v0.16.0 every pair of peers was compared, whatever their nodeSelectors. */
  nodeAware: boolean;
}

const frrWording: FrrWording = {
  routerId: 'in FRR mode peers selecting the same node must all have the same RouterID',
  duplicate: "FRR mode doesn't support duplicate BGPPeers selecting the same node",
  myAsn: 'in FRR mode peers selecting the same node must have the same myAsn within the same VRF',
  nodeAware: true,
};

const legacyFrrWording: FrrWording = {
  routerId: 'in FRR mode all RouterID must be equal',
  duplicate: "FRR mode doesn't support duplicate BGPPeers",
  myAsn: 'in FRR mode all myAsn must be equal for the same VRF',
  nodeAware: false,
};

function frrRouterIdFinding(peer: Peer, earlier: Peer, wording: FrrWording): Finding | null {
  const [mine, theirs] = [peer.spec.routerID ?? '', earlier.spec.routerID ?? ''];
  if (mine === theirs) return null;
  const message = `peer ${mine} has RouterID different from ${theirs}, ${wording.routerId}`;
  return finding(peer, 'frr-router-id-mismatch', 'spec.routerID', message);
}

function frrDuplicateFinding(peer: Peer, earlier: Peer, wording: FrrWording): Finding | null {
  const id = identifier(peer.spec);
  if (id !== identifier(earlier.spec)) return null;
  const message = `peer ${id} already exists, ${wording.duplicate}`;
  return finding(peer, 'frr-duplicate-peer', peer.spec.peerAddress ? 'spec.peerAddress' : 'spec.interface', message);
}

function frrMyAsnFinding(peer: Peer, earlier: Peer, wording: FrrWording): Finding | null {
  const [p, q] = [peer.spec, earlier.spec];
  if (p.myASN === q.myASN || (p.vrf ?? '') !== (q.vrf ?? '')) return null;
  const message = `peer ${identifier(p)} has myAsn different from ${identifier(q)}, ${wording.myAsn}`;
  return finding(peer, 'frr-my-asn-mismatch', 'spec.myASN', message);
}

// peersCanRunOnSameNode: the first failing check, in MetalLB's order.
function frrPairFinding(peer: Peer, earlier: Peer, wording: FrrWording): Finding | null {
  return (
    frrRouterIdFinding(peer, earlier, wording) ??
    frrDuplicateFinding(peer, earlier, wording) ??
    frrMyAsnFinding(peer, earlier, wording)
  );
}

function frrFindings(peers: readonly Peer[], version: string | null): Finding[] {
  const wording = isBefore(version, [0, 16, 0]) ? legacyFrrWording : frrWording;
  return peers.flatMap((peer, index) =>
    peers
      .slice(0, index)
      .filter((earlier) => !wording.nodeAware || mayShareNode(peer, earlier))
      .map((earlier) => frrPairFinding(peer, earlier, wording))
      .filter((found): found is Finding => found !== null),
  );
}

// How peersFor wrapped peerFromCR's error: "<name>: <err>" (to v0.14.5), errors.Join (v0.14.6 to v0.14.9),
// "<name> <err>" (v0.15.0 on).
function inVersionWording(found: Finding, version: string | null): Finding {
  const prefix = `parsing peer ${found.on.object.name} `;
  if (!found.message.startsWith(prefix)) return found;
  let detail = found.message.slice(prefix.length);
  if (isBefore(version, [0, 14, 9])) detail = detail.replace('missing peer ASN and dynamicASN', 'missing peer ASN');
  if (isBefore(version, [0, 14, 6])) return { ...found, message: `parsing peer ${found.on.object.name}: ${detail}` };
  if (isBefore(version, [0, 15, 0])) return { ...found, message: `${detail}; parsing peer ${found.on.object.name}` };
  return { ...found, message: prefix + detail };
}

/** Every BGPPeer problem, and the native mode's refusal of BFD profiles. */
export function peerRules(model: ConfigModel): Finding[] {
  const own = model.peers
    .flatMap((peer) => [
      ...asnFindings(peer),
      ...addressFindings(peer),
      ...timerFindings(peer),
      ...selectorFindings(peer),
      ...referenceFindings(peer, model),
    ])
    .map((found) => inVersionWording(found, model.metallbVersion));
  if (model.bgpType !== 'native') return [...own, ...frrFindings(model.peers, model.metallbVersion)];
  const bfd = model.bfdProfiles.map((on): Finding => ({
    on,
    rule: 'native-bfd-profile',
    by: 'speaker',
    field: 'spec',
    message: 'bfd profiles section set',
  }));
  return [...own, ...model.peers.flatMap((peer) => nativeFindings(peer, model.metallbVersion)), ...bfd];
}
