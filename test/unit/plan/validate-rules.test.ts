import { describe, expect, it } from 'vitest';
import { loadDesiredFiles } from '../../../domain/plan/load.js';
import type { BgpType, ConfigObject, PlanTarget, ValidationProblem } from '../../../domain/plan/types.js';
import { validateConfig } from '../../../domain/plan/validate.js';

const target = (bgpType: BgpType = 'native', metallbVersion: string | null = 'v0.16.1'): PlanTarget => ({
  namespace: 'metallb-system',
  metallbVersion,
  bgpType,
});

function load(text: string, path = 'desired.yaml') {
  return loadDesiredFiles([{ path, text }], 'metallb-system');
}

function validate(text: string, options: { bgpType?: BgpType; version?: string | null; live?: string } = {}) {
  const desired = load(text);
  const changed = new Set(desired.objects.map((o) => `${o.kind}/${o.name}`));
  const live = (options.live === undefined ? [] : load(options.live, 'live').objects)
    .filter((o) => !changed.has(`${o.kind}/${o.name}`))
    .map((o) => ({ ...o, source: null }));
  const problems = validateConfig([...live, ...desired.objects], target(options.bgpType, options.version ?? 'v0.16.1'));
  return [...desired.problems, ...problems];
}

const rules = (problems: readonly ValidationProblem[]) => problems.map((p) => `${p.rule}@${p.field}:${p.rejectedBy}`);

const pool = (name: string, ...addresses: string[]) =>
  'apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\n' +
  `metadata: {name: ${name}}\nspec:\n  addresses: ${JSON.stringify(addresses)}\n`;
const bgpAdv = (name: string, spec: string) =>
  `apiVersion: metallb.io/v1beta1\nkind: BGPAdvertisement\nmetadata: {name: ${name}}\nspec: ${spec}\n`;
const peer = (name: string, spec: string) =>
  `apiVersion: metallb.io/v1beta2\nkind: BGPPeer\nmetadata: {name: ${name}}\nspec: ${spec}\n`;
const bfd = (name: string, spec: string) =>
  `apiVersion: metallb.io/v1beta1\nkind: BFDProfile\nmetadata: {name: ${name}}\nspec: ${spec}\n`;
const docs = (...parts: string[]) => parts.join('---\n');

describe('loading documents', () => {
  it('names the file and line of malformed YAML, and keeps the other files', () => {
    const loaded = loadDesiredFiles(
      [
        { path: 'bad.yaml', text: 'apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata: {name: [web}\n' },
        { path: 'good.yaml', text: pool('web', '192.0.2.0/24') },
      ],
      'metallb-system',
    );
    expect(loaded.problems.length).toBeGreaterThan(0);
    for (const problem of loaded.problems) {
      expect(problem).toMatchObject({ rule: 'malformed-yaml', source: { file: 'bad.yaml', document: 0 } });
    }
    expect(loaded.problems[0]!.message).toMatch(/^bad\.yaml:3:\d+: /);
    expect(loaded.objects.map((o) => o.name)).toEqual(['web']);
  });

  it('gives each document its index and starting line, and skips empty documents', () => {
    const loaded = load(`# comment\n${pool('a', '192.0.2.0/28')}---\n---\n${pool('b', '192.0.2.16/28')}`);
    expect(loaded.problems).toEqual([]);
    expect(loaded.objects.map((o) => o.source)).toEqual([
      { file: 'desired.yaml', document: 0, line: 2 },
      { file: 'desired.yaml', document: 2, line: 9 },
    ]);
  });

  it('refuses documents without apiVersion, kind or name, and non-objects', () => {
    const problems = load(
      docs(
        'kind: IPAddressPool\nmetadata: {name: a}\n',
        'apiVersion: metallb.io/v1beta1\nmetadata: {name: b}\n',
        'apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata: {}\nspec: {addresses: []}\n',
        '- just\n- a list\n',
      ),
    ).problems;
    expect(rules(problems)).toEqual([
      'missing-api-version@apiVersion:tool',
      'missing-kind@kind:tool',
      'missing-name@metadata.name:apiserver',
      'not-an-object@null:tool',
    ]);
  });

  it('refuses unknown kinds without echoing a Secret', () => {
    const secret =
      'apiVersion: v1\nkind: Secret\nmetadata: {name: tor-password}\ntype: kubernetes.io/basic-auth\n' +
      'data: {password: aHVudGVyMg==}\nstringData: {username: admin, password: hunter2}\n';
    const problems = validate(docs(secret, 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {a: b}\n'));
    expect(rules(problems)).toEqual(['unknown-kind@kind:tool', 'unknown-kind@kind:tool']);
    const text = JSON.stringify(problems);
    for (const secretText of ['hunter2', 'aHVudGVyMg', 'admin', 'basic-auth']) expect(text).not.toContain(secretText);
  });

  it('a legacy AddressPool is refused by the API server from v0.14.3, by us before', () => {
    const legacy =
      'apiVersion: metallb.io/v1beta1\nkind: AddressPool\nmetadata: {name: old}\nspec: {protocol: layer2}\n';
    const refusedBy = (version: string | null) =>
      loadDesiredFiles([{ path: 'x.yaml', text: legacy }], 'metallb-system', version).problems.map((p) => p.rejectedBy);
    expect(refusedBy(null)).toEqual(['apiserver']);
    expect(refusedBy('v0.14.3')).toEqual(['apiserver']);
    expect(refusedBy('v0.13.12')).toEqual(['tool']);
  });

  it('never echoes a BGP password, even a malformed one', () => {
    const problems = validate(
      peer('tor', '{myASN: 64500, peerASN: 64501, peerAddress: 192.0.2.1, password: 123456789}'),
    );
    expect(rules(problems)).toEqual(['schema-type@spec.password:apiserver']);
    expect(JSON.stringify(problems)).not.toContain('123456789');
  });

  it('reports the same object twice, on the later document', () => {
    const problems = validate(docs(pool('web', '192.0.2.0/24'), pool('web', '192.0.2.0/25')));
    expect(rules(problems)).toEqual(['duplicate-object@metadata.name:tool']);
    expect(problems[0]!.source?.document).toBe(1);
    expect(problems[0]!.message).toContain('desired.yaml document 1 (line 1)');
  });

  it('reads the items of a kind: List (JSON too) as objects of that document', () => {
    const list = JSON.stringify(
      {
        apiVersion: 'v1',
        kind: 'List',
        items: [
          {
            apiVersion: 'metallb.io/v1beta1',
            kind: 'IPAddressPool',
            metadata: { name: 'a' },
            spec: { addresses: ['192.0.2.0/28'] },
          },
          {
            apiVersion: 'metallb.io/v1beta1',
            kind: 'IPAddressPool',
            metadata: { name: 'b' },
            spec: { addresses: ['192.0.2.8/29'] },
          },
        ],
      },
      null,
      2,
    );
    const loaded = loadDesiredFiles([{ path: 'list.json', text: list }], 'metallb-system');
    expect(loaded.objects.map((o) => [o.name, o.source?.document, o.source?.line])).toEqual([
      ['a', 0, 5],
      ['b', 0, 17],
    ]);
    expect(rules(validateConfig(loaded.objects, target()))).toEqual(['pool-overlap@spec.addresses[0]:webhook']);
  });

  it('reports every problem at once, across documents', () => {
    const problems = validate(docs(pool('a', '192.0.2.1', '192.0.2.9-192.0.2.1'), pool('b', '192.0.2.0/24', 'x')));
    expect(rules(problems)).toEqual([
      'bare-ip@spec.addresses[0]:webhook',
      'invalid-range@spec.addresses[1]:webhook',
      'invalid-cidr@spec.addresses[1]:webhook',
    ]);
  });
});

describe('pools', () => {
  it('quotes MetalLB exactly for a reversed range and a bare IP', () => {
    const [reversed, bare] = validate(docs(pool('a', '192.0.2.9 - 192.0.2.1'), pool('b', '2001:db8::1')));
    expect(reversed!.message).toBe(
      'parsing address pool a: invalid CIDR "192.0.2.9 - 192.0.2.1" in pool "a": invalid IP range ' +
        '"192.0.2.9 - 192.0.2.1": start IP "192.0.2.9" is after the end IP "192.0.2.1"',
    );
    expect(bare!.message).toContain('invalid CIDR "2001:db8::1" in pool "b": invalid CIDR "2001:db8::1"');
    expect(bare!.rule).toBe('bare-ip');
  });

  it('accepts ranges, IPv6 and host bits in a CIDR', () => {
    expect(
      validate(pool('a', '192.0.2.5/24', '198.51.100.1-198.51.100.1', '2001:db8::/64', '2001:db8:1::1-2001:db8:1::ff')),
    ).toEqual([]);
  });

  it('attributes an overlap to the pool that comes later in the input', () => {
    const problems = validate(docs(pool('zeta', '192.0.2.0/24'), pool('alpha', '192.0.2.0/26')));
    expect(problems.map((p) => [p.name, p.message])).toEqual([
      ['alpha', 'CIDR "192.0.2.0/26" in pool "alpha" overlaps with already defined CIDR "192.0.2.0/24"'],
    ]);
  });

  it('attributes an overlap with a live pool to the desired one, and a live-only problem to no file', () => {
    const live = docs(pool('old', '192.0.2.0/24'), pool('broken', 'nope'));
    const problems = validate(pool('new', '192.0.2.128/25'), { live });
    expect(problems.map((p) => [p.name, p.rule, p.source?.file ?? null])).toEqual([
      ['broken', 'invalid-cidr', null],
      ['new', 'pool-overlap', 'desired.yaml'],
    ]);
  });
});

describe('BGP advertisements and pools', () => {
  it('blames the advertisement when it comes last (its webhook sees the pools)', () => {
    const problems = validate(docs(pool('web', '192.0.2.0/28'), bgpAdv('adv', '{aggregationLength: 24}')));
    expect(rules(problems)).toEqual(['aggregation-length-too-short@spec.aggregationLength:webhook']);
  });

  it('blames the pool when it comes last: only speakers catch a pool narrowed under an advertisement', () => {
    const live = docs(pool('web', '192.0.2.0/24'), bgpAdv('adv', '{aggregationLength: 24, ipAddressPools: [web]}'));
    const problems = validate(pool('web', '192.0.2.0/28'), { live });
    expect(rules(problems)).toEqual(['aggregation-length-too-short@spec.addresses[0]:speaker']);
  });

  it('checks IPv6 aggregation against aggregationLengthV6 and selects pools by label', () => {
    const labelled =
      'apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata: {name: v6, labels: {tier: web}}\n' +
      'spec: {addresses: ["2001:db8::/120"]}\n';
    const adv = bgpAdv('adv', '{aggregationLengthV6: 64, ipAddressPoolSelectors: [{matchLabels: {tier: web}}]}');
    const problems = validate(docs(labelled, pool('other', '192.0.2.0/28'), adv), { bgpType: 'frr' });
    expect(rules(problems)).toEqual(['aggregation-length-too-short@spec.aggregationLengthV6:webhook']);
  });

  it('IPv6 pools may be announced in FRR mode but not in native mode', () => {
    const input = docs(pool('v6', '2001:db8::/64'), bgpAdv('adv', '{}'));
    expect(validate(input, { bgpType: 'frr' })).toEqual([]);
    expect(validate(input, { bgpType: 'frr-k8s' })).toEqual([]);
    expect(rules(validate(input, { bgpType: 'native' }))).toEqual(['ipv6-native-bgp@null:webhook']);
  });

  it('localPref conflicts unless aggregation, peers or node selectors differ', () => {
    const base = pool('web', '192.0.2.0/24');
    const conflict = validate(docs(base, bgpAdv('a', '{localPref: 100}'), bgpAdv('b', '{localPref: 200}')));
    expect(rules(conflict)).toEqual(['local-pref-conflict@spec.localPref:webhook']);
    const tors = docs(
      peer('tor1', '{myASN: 64500, peerASN: 64501, peerAddress: 192.0.2.254}'),
      peer('tor2', '{myASN: 64500, peerASN: 64501, peerAddress: 192.0.2.253}'),
    );
    expect(
      validate(
        docs(
          base,
          tors,
          bgpAdv('a', '{localPref: 100, peers: [tor1]}'),
          bgpAdv('b', '{localPref: 200, peers: [tor2]}'),
        ),
      ),
    ).toEqual([]);
    expect(
      validate(docs(base, bgpAdv('a', '{localPref: 100}'), bgpAdv('b', '{localPref: 200, aggregationLength: 30}'))),
    ).toEqual([]);
    const selectors = (os: string) =>
      `{localPref: ${os === 'linux' ? 100 : 200}, nodeSelectors: [{matchLabels: {os: ${os}}}]}`;
    expect(validate(docs(base, bgpAdv('a', selectors('linux')), bgpAdv('b', selectors('bsd'))))).toEqual([]);
    const withServices = '{localPref: 200, serviceSelectors: [{matchLabels: {app: web}}]}';
    expect(validate(docs(base, bgpAdv('a', '{localPref: 100}'), bgpAdv('b', withServices)))).toEqual([]);
  });

  it('refuses BFD echo mode for a peer announcing an IPv6 pool (speakers only)', () => {
    const input = docs(
      pool('v6', '2001:db8::/64'),
      bfd('echo', '{echoMode: true}'),
      peer('tor', '{myASN: 64500, peerASN: 64501, peerAddress: 2001:db8::1, bfdProfile: echo}'),
      bgpAdv('adv', '{peers: [tor]}'),
    );
    expect(rules(validate(input, { bgpType: 'frr' }))).toEqual(['bfd-echo-ipv6@spec.peers:speaker']);
  });
});

describe('peers', () => {
  const valid = 'myASN: 64500, peerASN: 64501, peerAddress: 192.0.2.254';

  it('accepts FRR-only fields in FRR mode and refuses them in native mode', () => {
    const frrOnly = 'vrf: red, keepaliveTime: 30s, holdTime: 90s, connectTime: 5s, localASN: 64999, bfdProfile: fast';
    const spec = `{${valid}, ${frrOnly}}`;
    const input = docs(bfd('fast', '{receiveInterval: 300}'), peer('tor', spec));
    expect(validate(input, { bgpType: 'frr' })).toEqual([]);
    expect(rules(validate(input, { bgpType: 'native' }))).toEqual([
      'native-bfd-profile@spec:speaker',
      'native-unsupported@spec.bfdProfile:speaker',
      'native-unsupported@spec.keepaliveTime:webhook',
      'native-unsupported@spec.vrf:webhook',
      'native-unsupported@spec.connectTime:webhook',
      'native-unsupported@spec.localASN:webhook',
    ]);
  });

  it('FRR mode: peers on the same nodes need one router ID and one myASN per VRF, and no duplicates', () => {
    const frr = { bgpType: 'frr' as const };
    const routerIds = docs(
      peer('a', `{${valid}, routerID: 192.0.2.1}`),
      peer('b', '{myASN: 64500, peerASN: 64501, peerAddress: 192.0.2.253, routerID: 192.0.2.2}'),
    );
    expect(rules(validate(routerIds, frr))).toEqual(['frr-router-id-mismatch@spec.routerID:webhook']);
    const duplicate = docs(
      peer('a', `{${valid}}`),
      peer('b', '{myASN: 64500, peerASN: 64502, peerAddress: 192.0.2.254}'),
    );
    expect(validate(duplicate, frr)[0]!.message).toBe(
      "peer 192.0.2.254 already exists, FRR mode doesn't support duplicate BGPPeers selecting the same node",
    );
    const myAsn = docs(peer('a', `{${valid}}`), peer('b', '{myASN: 64510, peerASN: 64501, peerAddress: 192.0.2.253}'));
    expect(rules(validate(myAsn, frr))).toEqual(['frr-my-asn-mismatch@spec.myASN:webhook']);
    const otherVrf = docs(
      peer('a', `{${valid}}`),
      peer('b', '{myASN: 64510, peerASN: 64501, peerAddress: 192.0.2.254, vrf: red}'),
    );
    expect(validate(otherVrf, frr)).toEqual([]);
    const disjoint = (host: string) => `nodeSelectors: [{matchLabels: {kubernetes.io/hostname: ${host}}}]`;
    const apart = docs(peer('a', `{${valid}, ${disjoint('n1')}}`), peer('b', `{${valid}, ${disjoint('n2')}}`));
    expect(validate(apart, frr)).toEqual([]);
    // Native mode has none of these rules.
    expect(validate(duplicate)).toEqual([]);
    // Before v0.16.0 every pair was compared, in other words.
    const older = validate(apart, { bgpType: 'frr', version: 'v0.15.3' });
    expect(older.map((p) => p.message)).toEqual([
      "peer 192.0.2.254 already exists, FRR mode doesn't support duplicate BGPPeers",
    ]);
  });

  it('words timers as MetalLB does', () => {
    const [keepalive] = validate(peer('tor', `{${valid}, keepaliveTime: 60s}`), { bgpType: 'frr' });
    expect(keepalive).toBeUndefined();
    const [hold] = validate(peer('tor', `{${valid}, holdTime: 2500ms}`));
    expect(hold!.message).toBe(
      'parsing peer tor invalid BGPPeer timers: invalid hold time "&Duration{Duration:2.5s,}": must be 0 or >=3s',
    );
  });

  it("a peer created with disableMP skips the webhook: its problems are the speakers'", () => {
    const problems = validate(
      peer('tor', '{myASN: 64500, peerASN: 64500, peerAddress: 192.0.2.254, ebgpMultiHop: true, disableMP: true}'),
      { bgpType: 'frr' },
    );
    expect(rules(problems)).toEqual(['ebgp-multihop-ibgp@spec.ebgpMultiHop:speaker']);
  });
});

describe('communities', () => {
  it('an alias resolves through a Community; without one only speakers refuse it', () => {
    const community =
      'apiVersion: metallb.io/v1beta1\nkind: Community\nmetadata: {name: c}\n' +
      'spec: {communities: [{name: no-advertise, value: "65535:65282"}]}\n';
    const adv = bgpAdv('adv', '{communities: [no-advertise]}');
    expect(validate(docs(pool('web', '192.0.2.0/24'), community, adv))).toEqual([]);
    expect(rules(validate(docs(pool('web', '192.0.2.0/24'), adv)))).toEqual([
      'missing-community@spec.communities[0]:speaker',
    ]);
  });

  it('large communities are fine in FRR mode', () => {
    expect(
      validate(docs(pool('web', '192.0.2.0/24'), bgpAdv('adv', '{communities: ["large:1:2:3"]}')), { bgpType: 'frr' }),
    ).toEqual([]);
  });
});

describe('namespaces and versions', () => {
  it('refuses objects outside the MetalLB namespace and leaves them out of the config', () => {
    const other = pool('web', '192.0.2.0/24').replace('{name: web}', '{name: web, namespace: default}');
    const problems = validate(docs(other, pool('api', '192.0.2.0/24')));
    expect(rules(problems)).toEqual(['wrong-namespace@metadata.namespace:webhook']);
  });

  it('serviceSelectors on advertisements are new in v0.16.0', () => {
    const l2 =
      'apiVersion: metallb.io/v1beta1\nkind: L2Advertisement\nmetadata: {name: l2}\n' +
      'spec: {serviceSelectors: [{matchLabels: {app: web}}]}\n';
    expect(validate(l2, { version: 'v0.16.1' })).toEqual([]);
    expect(validate(l2, { version: null })).toEqual([]);
    expect(rules(validate(l2, { version: 'v0.14.9' }))).toEqual(['field-not-in-version@spec.serviceSelectors:tool']);
  });

  it('a misspelt spec is an unknown field (an advertisement would select every pool)', () => {
    const l2 =
      'apiVersion: metallb.io/v1beta1\nkind: L2Advertisement\nmetadata: {name: l2}\nspecs: {ipAddressPools: [web]}\n';
    expect(rules(validate(docs(pool('web', '192.0.2.0/24'), l2)))).toEqual(['unknown-field@specs:tool']);
  });

  it('an unknown field is ours to report only in the files: the API server pruned live objects', () => {
    const live = load(pool('web', '192.0.2.0/24').replace('addresses:', 'futureField: 1\n  addresses:')).objects;
    expect(validateConfig(live, target())).toMatchObject([{ rule: 'unknown-field', field: 'spec.futureField' }]);
    expect(
      validateConfig(
        live.map((o) => ({ ...o, source: null })),
        target(),
      ),
    ).toEqual([]);
  });

  it('refuses invalid labels (API server) and advertisements whose selectors match no pool (tool)', () => {
    const labelled = pool('web', '192.0.2.0/24').replace('{name: web}', '{name: web, labels: {"tier/": web}}');
    expect(rules(validate(labelled))).toEqual(['invalid-label@metadata.labels.tier/:apiserver']);
    const l2 =
      'apiVersion: metallb.io/v1beta1\nkind: L2Advertisement\nmetadata: {name: l2}\n' +
      'spec: {ipAddressPoolSelectors: [{matchLabels: {tier: web}}]}\n';
    expect(rules(validate(docs(pool('web', '192.0.2.0/24'), l2)))).toEqual([
      'selects-no-pool@spec.ipAddressPoolSelectors:tool',
    ]);
  });

  it('a document replaces the live object of the same name', () => {
    const live = load(pool('web', '192.0.2.0/24')).objects.map((o) => ({ ...o, source: null }));
    const desired = load(pool('web', '192.0.2.0/25')).objects;
    expect(validateConfig([...live, ...desired], target())).toEqual([]);
  });

  it('v0.13 webhooks checked passwordSecret, bfdProfile and community formats; v0.14.0 clears them', () => {
    const tor =
      '{myASN: 64500, peerASN: 64501, peerAddress: 192.0.2.254, password: x, passwordSecret: {name: s}, bfdProfile: b}';
    const adv = bgpAdv('adv', '{communities: ["1:2:3"]}');
    const input = docs(pool('web', '192.0.2.0/24'), peer('tor', tor), adv);
    const byVersion = (version: string) =>
      rules(validate(input, { version })).filter((r) => /password|bfdProfile|communities/.test(r));
    expect(byVersion('v0.13.12')).toEqual([
      'password-and-secret@spec.passwordSecret:webhook',
      'missing-bfd-profile@spec.bfdProfile:speaker',
      'native-unsupported@spec.bfdProfile:webhook',
      'invalid-community@spec.communities[0]:speaker',
    ]);
    expect(byVersion('v0.14.0')).toEqual([
      'password-and-secret@spec.passwordSecret:speaker',
      'missing-bfd-profile@spec.bfdProfile:speaker',
      'native-unsupported@spec.bfdProfile:speaker',
      'invalid-community@spec.communities[0]:webhook',
    ]);
  });

  it('words peer errors as each version wrapped them', () => {
    const input = peer('tor', '{myASN: 64500, peerAddress: 192.0.2.254}');
    const message = (version: string) => validate(input, { version })[0]!.message;
    expect(message('v0.13.12')).toBe('parsing peer tor: missing peer ASN');
    expect(message('v0.14.5')).toBe('parsing peer tor: missing peer ASN');
    expect(message('v0.14.8')).toBe('missing peer ASN; parsing peer tor');
    expect(message('v0.14.9')).toBe('missing peer ASN and dynamicASN; parsing peer tor');
    expect(message('v0.16.1')).toBe('parsing peer tor missing peer ASN and dynamicASN');
  });

  it('native mode before v0.14.9 refused any IPv6 pool once a BGPAdvertisement existed', () => {
    const input = docs(
      pool('web', '192.0.2.0/24'),
      pool('v6', '2001:db8::/64'),
      bgpAdv('adv', '{ipAddressPools: [web]}'),
    );
    expect(validate(input, { version: 'v0.14.9' })).toEqual([]);
    expect(rules(validate(input, { version: 'v0.14.8' }))).toEqual(['ipv6-native-bgp@null:webhook']);
  });

  it('a field newer than the target is dropped by its API server, and MetalLB judges the rest', () => {
    const input = peer('tor', '{myASN: 64500, dynamicASN: external, peerAddress: 192.0.2.254}');
    expect(rules(validate(input, { version: 'v0.14.8', bgpType: 'frr' }))).toEqual([
      'field-not-in-version@spec.dynamicASN:tool',
      'missing-peer-asn@spec.peerASN:webhook',
    ]);
    expect(validate(input, { version: 'v0.14.9', bgpType: 'frr' })).toEqual([]);
  });

  it('checks live objects too, without a source', () => {
    const objects: ConfigObject[] = load(pool('web', '192.0.2.0/33')).objects.map((o) => ({ ...o, source: null }));
    expect(validateConfig(objects, target())).toMatchObject([{ rule: 'invalid-cidr', source: null, name: 'web' }]);
  });
});
