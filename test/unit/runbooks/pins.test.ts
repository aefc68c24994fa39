import { describe, expect, it } from 'vitest';
import { pinMarkerAnnotation } from '../../../domain/runbooks/names.js';
import {
  isOurPin,
  pinAnnotations,
  pinMarker,
  pinMechanismFor,
  planPins,
  unpinAnnotations,
} from '../../../domain/runbooks/pins.js';
import type { ServiceFacts } from '../../../domain/runbooks/service-facts.js';

const svc = (key: string, extra: Partial<ServiceFacts> = {}): ServiceFacts => ({
  key,
  served: true,
  ips: [],
  loadBalancerIP: null,
  annotations: {},
  resourceVersion: '1',
  ...extra,
});
const pools = [{ name: 'p1', addresses: ['192.0.2.0/28', '2001:db8::/120'], avoidBuggyIPs: false }];

describe('planPins', () => {
  it('pins healthy Services without a request and only watches those that already request their IPs', () => {
    const plan = planPins({
      pools,
      services: [
        svc('a/web', { ips: ['192.0.2.1'] }),
        svc('a/dual', { ips: ['192.0.2.2', '2001:db8::2'] }),
        svc('a/fixed', { ips: ['192.0.2.3'], loadBalancerIP: '192.0.2.3' }),
        svc('a/annotated', { ips: ['192.0.2.4'], annotations: { 'metallb.universe.tf/loadBalancerIPs': '192.0.2.4' } }),
      ],
    });
    expect(plan.pin).toEqual([
      { service: 'a/web', ips: ['192.0.2.1'] },
      { service: 'a/dual', ips: ['192.0.2.2', '2001:db8::2'] },
    ]);
    expect(plan.alreadyRequested.map((p) => p.service)).toEqual(['a/fixed', 'a/annotated']);
  });

  it('never pins an orphan, a pending Service or one MetalLB does not serve', () => {
    const plan = planPins({
      pools,
      services: [
        svc('a/orphan', { ips: ['198.51.100.1'] }),
        svc('a/pending'),
        svc('a/other', { served: false, ips: ['192.0.2.9'] }),
      ],
    });
    expect(plan).toEqual({ pin: [], alreadyRequested: [] });
  });
});

describe('pin annotations', () => {
  it('writes the IPs comma-separated with a marker naming the run, and recognises only that run', () => {
    const marker = pinMarker('metallb-change.lab', 'run-1');
    const annotations = pinAnnotations({ service: 'a/dual', ips: ['192.0.2.2', '2001:db8::2'] }, marker);
    expect(annotations).toEqual({
      'metallb.io/loadBalancerIPs': '192.0.2.2,2001:db8::2',
      [pinMarkerAnnotation]: 'metallb-change.lab/run-1',
    });
    expect(isOurPin(annotations, marker)).toBe(true);
    expect(isOurPin(annotations, pinMarker('metallb-change.lab', 'run-2'))).toBe(false);
    expect(isOurPin({ 'metallb.io/loadBalancerIPs': '192.0.2.2' }, marker)).toBe(false);
  });
});

describe('pinMechanismFor: the pin annotation each MetalLB version reads', () => {
  it.each([
    ['v0.16.1', ['metallb.io/loadBalancerIPs']],
    ['v0.14.9', ['metallb.io/loadBalancerIPs']],
    ['v0.14.8', ['metallb.universe.tf/loadBalancerIPs']],
    ['v0.13.12', ['metallb.universe.tf/loadBalancerIPs']],
    ['0.13.0', ['metallb.universe.tf/loadBalancerIPs']],
  ])('%s pins with %j', (version, annotations) => {
    expect(pinMechanismFor(version)).toMatchObject({ annotations });
  });

  it('an unknown version (no tag, a digest, "latest") pins with both: every version from 0.13 reads one', () => {
    for (const version of [null, undefined, 'latest', 'main'])
      expect(pinMechanismFor(version), String(version)).toMatchObject({
        annotations: ['metallb.io/loadBalancerIPs', 'metallb.universe.tf/loadBalancerIPs'],
      });
  });

  it('a version before 0.13 (ConfigMap era) is refused with the reason', () => {
    expect(pinMechanismFor('v0.12.1')).toEqual({
      refusal:
        'MetalLB v0.12.1 is configured by a ConfigMap and reads no loadBalancerIPs annotation: ' +
        'reapply-config --recreate cannot hold the Service IPs; nothing was changed',
    });
  });

  it('pinAnnotations writes the chosen keys and the marker; unpinAnnotations removes every pin key', () => {
    const pin = { service: 'a/web', ips: ['192.0.2.1'] };
    expect(pinAnnotations(pin, 'wf/run', ['metallb.universe.tf/loadBalancerIPs'])).toEqual({
      'metallb.universe.tf/loadBalancerIPs': '192.0.2.1',
      'metallb-runbooks/pinned-by': 'wf/run',
    });
    expect(unpinAnnotations()).toEqual({
      'metallb.io/loadBalancerIPs': null,
      'metallb.universe.tf/loadBalancerIPs': null,
      'metallb-runbooks/pinned-by': null,
    });
  });
});
