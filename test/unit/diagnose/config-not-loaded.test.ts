import { describe, expect, it } from 'vitest';
import {
  ago,
  allocated,
  bfdProfile,
  bgpPeer,
  brief,
  configurationState,
  installation,
  l2Adv,
  NS,
  ofCheck,
  pool,
  run,
  service,
} from './builders.js';

const poolRef = (name: string) => ({ kind: 'IPAddressPool', namespace: NS, name });
const base = [...installation(), l2Adv('all')];
const check = (objects: unknown[], version?: string) =>
  ofCheck(
    run(version ? [...installation({ version }), l2Adv('all'), ...objects] : [...base, ...objects]),
    'config-not-loaded',
  );

describe('ConfigurationState', () => {
  it('controller Invalid → error with the errorSummary, reapply-config', () => {
    const summary =
      'configuration error: CIDR "192.0.2.0/28" in pool "b" overlaps with already defined CIDR "192.0.2.0/24"';
    const findings = check([pool('a', ['198.51.100.0/24']), configurationState('controller', 'Invalid', summary)]);
    expect(findings.map(brief)).toEqual([
      {
        id: 'configuration-state-invalid',
        severity: 'error',
        objects: [{ kind: 'ConfigurationState', namespace: NS, name: 'controller' }],
        fix: 'metallb-runbooks fix reapply-config',
      },
    ]);
    expect(findings[0]!.title).toBe(`ConfigurationState controller reports Invalid: ${summary}`);
  });

  it('speaker Invalid with the generic handler error: info while fresh, error (restart-speakers) once it lasts', () => {
    const summary = 'configuration error: general handler sync state error';
    const fresh = check([
      pool('a', ['198.51.100.0/24']),
      configurationState('speaker-node-1', 'Invalid', summary, ago(20)),
    ]);
    expect(fresh.map((f) => f.severity)).toEqual(['info']);
    const old = check([
      pool('a', ['198.51.100.0/24']),
      configurationState('speaker-node-1', 'Invalid', summary, ago(600)),
    ]);
    expect(old.map(brief)).toEqual([
      {
        id: 'configuration-state-invalid',
        severity: 'error',
        objects: [{ kind: 'ConfigurationState', namespace: NS, name: 'speaker-node-1' }],
        fix: 'metallb-runbooks fix restart-speakers',
      },
    ]);
  });

  it('Unknown: warning on v0.16, info on v0.15 (re-created objects stay Unknown there)', () => {
    expect(
      check([pool('a', ['198.51.100.0/24']), configurationState('controller', 'Unknown')]).map((f) => [
        f.id,
        f.severity,
      ]),
    ).toEqual([['configuration-state-unknown', 'warning']]);
    expect(
      check([pool('a', ['198.51.100.0/24']), configurationState('controller', 'Unknown')], 'v0.15.3').map(
        (f) => f.severity,
      ),
    ).toEqual(['info']);
  });

  it('Valid states are fine', () => {
    expect(check([pool('a', ['198.51.100.0/24']), configurationState('controller', 'Valid')])).toEqual([]);
  });
});

describe('IPAddressPool status counters (v0.15+)', () => {
  const zeros = { assignedIPv4: 0, assignedIPv6: 0, availableIPv4: 0, availableIPv6: 0 };

  it('all zeros while Services use the pool → never loaded (error, restart-controller)', () => {
    const findings = check([
      pool('a', ['192.0.2.0/24'], { status: zeros }),
      allocated('demo/web', ['192.0.2.10'], 'a'),
    ]);
    expect(findings.map(brief)).toEqual([
      {
        id: 'pool-not-loaded',
        severity: 'error',
        objects: [poolRef('a')],
        fix: 'metallb-runbooks fix restart-controller',
      },
    ]);
    expect(findings[0]!.title).toBe(
      'IPAddressPool a has capacity 256 but its status counters are all 0: the controller never loaded it',
    );
  });

  it('all zeros and unused → warning', () => {
    expect(check([pool('a', ['192.0.2.0/24'], { status: zeros })]).map((f) => f.severity)).toEqual(['warning']);
  });

  it('status that matches spec is fine; a mismatch is info', () => {
    const good = { assignedIPv4: 1, assignedIPv6: 0, availableIPv4: 255, availableIPv6: 0 };
    expect(check([pool('a', ['192.0.2.0/24'], { status: good }), allocated('demo/web', ['192.0.2.10'], 'a')])).toEqual(
      [],
    );
    const lagging = { assignedIPv4: 1, assignedIPv6: 0, availableIPv4: 15, availableIPv6: 0 };
    expect(check([pool('a', ['192.0.2.0/24'], { status: lagging })]).map((f) => [f.id, f.severity])).toEqual([
      ['pool-status-mismatch', 'info'],
    ]);
  });

  it('huge IPv6 pools (MaxInt64 counters) are not compared; v0.14 has no status to read', () => {
    const huge = {
      assignedIPv4: 0,
      assignedIPv6: 0,
      availableIPv4: 0,
      availableIPv6: 2 ** 63 /* MaxInt64 as JSON.parse reads it */,
    };
    expect(check([pool('a', ['2001:db8::/64'], { status: huge })])).toEqual([]);
    expect(check([pool('a', ['192.0.2.0/24'], { status: zeros })], 'v0.14.9')).toEqual([]);
  });
});

describe('pools the controller cannot parse', () => {
  it('overlapping pools, with MetalLB wording', () => {
    const findings = check([pool('a', ['192.0.2.0/24']), pool('b', ['192.0.2.0/28'])]);
    expect(findings.map(brief)).toEqual([
      {
        id: 'pool-overlap',
        severity: 'error',
        objects: [poolRef('b'), poolRef('a')],
        fix: 'kubectl -n metallb-system edit ipaddresspool b',
      },
    ]);
    expect(findings[0]!.title).toBe(
      'IPAddressPools b and a overlap: CIDR "192.0.2.0/28" in pool "b" overlaps with already defined CIDR "192.0.2.0/24"',
    );
  });

  it('overlap within one pool', () => {
    const [finding] = check([pool('a', ['192.0.2.0/24', '192.0.2.10-192.0.2.20'])]);
    expect(finding!.title).toBe(
      'IPAddressPool a overlaps itself: CIDR "192.0.2.10-192.0.2.20" in pool "a" overlaps with already defined CIDR "192.0.2.0/24"',
    );
  });

  it('a bare IP is an invalid CIDR', () => {
    const findings = check([pool('a', ['192.0.2.7'])]);
    expect(findings.map(brief)).toEqual([
      { id: 'pool-invalid', severity: 'error', objects: [poolRef('a')], fix: 'metallb-runbooks fix reapply-config' },
    ]);
    expect(findings[0]!.title).toBe(
      'IPAddressPool a is invalid: parsing address pool a: invalid CIDR "192.0.2.7" in pool "a": invalid CIDR "192.0.2.7"',
    );
  });
});

describe('references speakers reject and objects MetalLB ignores', () => {
  it('BGPPeer naming a missing BFDProfile', () => {
    const findings = check([pool('a', ['192.0.2.0/24']), bgpPeer('peer1', { bfdProfile: 'fast' }), bfdProfile('slow')]);
    expect(findings.map(brief)).toEqual([
      {
        id: 'peer-bfd-profile-missing',
        severity: 'error',
        objects: [{ kind: 'BGPPeer', namespace: NS, name: 'peer1' }],
        fix: 'metallb-runbooks fix reapply-config',
      },
    ]);
  });

  it("a pool outside MetalLB's namespace", () => {
    const findings = check([pool('a', ['192.0.2.0/24']), pool('stray', ['198.51.100.0/24'], { namespace: 'default' })]);
    expect(findings.map(brief)).toEqual([
      {
        id: 'metallb-object-outside-namespace',
        severity: 'warning',
        objects: [{ kind: 'IPAddressPool', namespace: 'default', name: 'stray' }],
        fix: null,
      },
    ]);
  });
});

describe('bad input becomes findings, not exceptions', () => {
  it('a malformed object is a warning and an unknown kind an info summary', () => {
    const broken = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'demo' },
      spec: { type: 'LoadBalancer', ports: 'eighty' },
    };
    const unknown = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'x', namespace: 'demo' } };
    const findings = check([pool('a', ['192.0.2.0/24']), broken, unknown, 'not an object']);
    expect(findings.map((f) => [f.id, f.severity])).toEqual([
      ['object-failed-schema', 'warning'],
      ['objects-ignored', 'info'],
    ]);
    expect(findings[0]!.title).toBe(
      'Service demo/web could not be read, so it was not analysed: spec.ports: Invalid input: expected array, received string',
    );
    expect(findings[1]!.data).toEqual({ kinds: ['(none)', 'ReplicaSet'] });
  });

  it('a Service with an unparseable ingress IP does not throw', () => {
    expect(() => check([pool('a', ['192.0.2.0/24']), service('demo/web', { ips: ['not-an-ip'] })])).not.toThrow();
  });
});

describe('IPAddressPool without status (v0.15+)', () => {
  const createdAgo = (name: string, seconds: number) => {
    const p = pool(name, ['192.0.2.0/28']) as { metadata: Record<string, unknown> };
    p.metadata.creationTimestamp = ago(seconds);
    return p;
  };

  it('is never loaded once it is older than the grace period', () => {
    const findings = check([createdAgo('late', 60)]);
    expect(findings.map((f) => [f.id, f.severity])).toEqual([['pool-not-loaded', 'warning']]);
    expect(findings[0]!.title).toBe('IPAddressPool late has capacity 16 but no status: the controller never loaded it');
  });

  it('is fine while the controller may still be writing it', () => {
    expect(check([createdAgo('fresh', 2)])).toEqual([]);
  });
});
