import { describe, expect, it } from 'vitest';
import { usedPercent } from '../../../domain/diagnose/capacity.js';
import { allocated, brief, installation, l2Adv, NS, ofCheck, pool, run, service } from './builders.js';

const base = [...installation(), l2Adv('all')];
const poolRef = (name: string) => ({ kind: 'IPAddressPool', namespace: NS, name });

describe('capacity', () => {
  it('exhausted without pending Services is a warning', () => {
    const report = run([
      ...base,
      pool('tiny', ['192.0.2.10-192.0.2.11']),
      allocated('demo/a', ['192.0.2.10'], 'tiny'),
      allocated('demo/b', ['192.0.2.11'], 'tiny'),
    ]);
    expect(ofCheck(report, 'capacity').map(brief)).toEqual([
      {
        id: 'pool-exhausted',
        severity: 'warning',
        objects: [poolRef('tiny')],
        fix: 'kubectl -n metallb-system edit ipaddresspool tiny',
      },
    ]);
    expect(report.findings[0]!.title).toBe('IPAddressPool tiny is exhausted: 2 of 2 IPv4 addresses in use');
  });

  it('a shared IP counts once', () => {
    const shared = { 'metallb.io/allow-shared-ip': 'k' };
    const report = run([
      ...base,
      pool('tiny', ['192.0.2.10-192.0.2.11']),
      allocated('demo/a', ['192.0.2.10'], 'tiny', { annotations: shared, ports: [{ port: 80 }] }),
      allocated('demo/b', ['192.0.2.10'], 'tiny', { annotations: shared, ports: [{ port: 443 }] }),
    ]);
    expect(report.capacity[0]).toMatchObject({ used: '1', capacity: '2', usedPercent: 50 });
    expect(ofCheck(report, 'capacity')).toEqual([]);
  });

  it('>= 90% used is a warning', () => {
    const services = Array.from({ length: 9 }, (_, i) => allocated(`demo/s${i}`, [`192.0.2.${i + 1}`], 'ten'));
    const report = run([...base, pool('ten', ['192.0.2.1-192.0.2.10']), ...services]);
    expect(ofCheck(report, 'capacity').map((f) => [f.id, f.severity, f.title])).toEqual([
      ['pool-nearly-exhausted', 'warning', 'IPAddressPool ten is 90% used (9 of 10 IPv4 addresses in use)'],
    ]);
  });

  it('IPv4 and IPv6 are counted separately, IPv6 in bigint', () => {
    const report = run([
      ...base,
      pool('dual', ['192.0.2.0/30', '2001:db8::/64']),
      allocated('demo/web', ['192.0.2.1', '2001:db8::1'], 'dual'),
    ]);
    expect(report.capacity).toEqual([
      {
        pool: 'dual',
        namespace: NS,
        family: 'IPv4',
        capacity: '4',
        used: '1',
        available: '3',
        usedPercent: 25,
        autoAssign: true,
      },
      {
        pool: 'dual',
        namespace: NS,
        family: 'IPv6',
        capacity: '18446744073709551616',
        used: '1',
        available: '18446744073709551615',
        usedPercent: 0,
        autoAssign: true,
      },
    ]);
  });

  it('no pools: error when MetalLB serves Services', () => {
    const report = run([...base, service('demo/web')]);
    expect(ofCheck(report, 'capacity').map((f) => [f.id, f.severity])).toEqual([['no-pools', 'error']]);
    expect(ofCheck(run(base), 'capacity').map((f) => [f.id, f.severity])).toEqual([['no-pools', 'warning']]);
  });

  it('usedPercent keeps one decimal and never overflows', () => {
    expect(usedPercent(1n, 3n)).toBe(33.3);
    expect(usedPercent(2n ** 70n, 2n ** 71n)).toBe(50);
    expect(usedPercent(0n, 0n)).toBe(0);
  });
});
