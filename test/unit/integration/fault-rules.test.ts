import { describe, expect, it } from 'vitest';
import {
  ArmedRule,
  describeRequest,
  firstFiring,
  matches,
  seededRandom,
  type KubeRequest,
} from '../../integration/fault-rules.js';

const pools = '/apis/metallb.io/v1beta1/namespaces/metallb-system/ipaddresspools';

describe('describeRequest', () => {
  it('reads verb, resource, namespace, name and subresource from core and group paths', () => {
    expect(describeRequest('GET', '/api/v1/namespaces/ns/pods/p1/log?container=c')).toEqual({
      verb: 'get',
      resource: 'pods',
      subresource: 'log',
      namespace: 'ns',
      name: 'p1',
      write: false,
    });
    expect(describeRequest('GET', pools)).toMatchObject({ verb: 'list', resource: 'ipaddresspools', name: null });
    expect(describeRequest('GET', `${pools}?watch=true`)).toMatchObject({ verb: 'watch' });
    expect(describeRequest('POST', pools)).toMatchObject({ verb: 'create', write: true });
    expect(describeRequest('PUT', `${pools}/a`)).toMatchObject({ verb: 'update', name: 'a', write: true });
    expect(describeRequest('PATCH', '/api/v1/namespaces/ns/services/s/status')).toMatchObject({
      verb: 'patch',
      resource: 'services',
      subresource: 'status',
    });
    expect(describeRequest('DELETE', `${pools}/a`)).toMatchObject({ verb: 'delete', write: true });
    expect(describeRequest('DELETE', pools)).toMatchObject({ verb: 'deletecollection' });
  });

  it('reads cluster-scoped paths and namespaces themselves', () => {
    expect(describeRequest('GET', '/api/v1/services')).toMatchObject({ verb: 'list', resource: 'services' });
    expect(describeRequest('GET', '/api/v1/namespaces/ns')).toMatchObject({
      resource: 'namespaces',
      name: 'ns',
      namespace: 'ns',
    });
    expect(
      describeRequest('PATCH', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/x.metallb.io/status'),
    ).toMatchObject({ verb: 'patch', resource: 'customresourcedefinitions', subresource: 'status' });
  });

  it('treats discovery paths as a get of nothing', () => {
    expect(describeRequest('GET', '/apis')).toMatchObject({ verb: 'get', resource: '', write: false });
    expect(describeRequest('GET', '/version')).toMatchObject({ resource: '' });
  });
});

const request = (method: string, url: string): KubeRequest => describeRequest(method, url);

describe('matches', () => {
  it('needs every given field to match', () => {
    const create = request('POST', pools);
    expect(matches(undefined, create)).toBe(true);
    expect(matches({ writes: true }, create)).toBe(true);
    expect(matches({ writes: false }, create)).toBe(false);
    expect(matches({ verbs: ['create'], resources: ['ipaddresspools'] }, create)).toBe(true);
    expect(matches({ verbs: ['create'], resources: ['services'] }, create)).toBe(false);
    expect(matches({ subresource: null }, create)).toBe(true);
    expect(matches({ subresource: 'log' }, create)).toBe(false);
  });
});

describe('ArmedRule', () => {
  const write = request('PATCH', `${pools}/a`);
  const read = request('GET', `${pools}/a`);

  it('nth: fires once, on the nth matching request; others are not counted', () => {
    const rule = new ArmedRule({ fault: 'status-500', match: { writes: true }, trigger: { nth: 2 } });
    expect([write, read, write, write, read, write].map((r) => rule.fires(r))).toEqual([
      false,
      false,
      true,
      false,
      false,
      false,
    ]);
    expect({ matched: rule.matched, injected: rule.injected }).toEqual({ matched: 4, injected: 1 });
  });

  it('nth with a limit fires on that many requests from the nth on', () => {
    const rule = new ArmedRule({ fault: 'status-503', trigger: { nth: 2 }, limit: 2 });
    expect([1, 2, 3, 4].map(() => rule.fires(read))).toEqual([false, true, true, false]);
  });

  it('every: fires on each nth matching request', () => {
    const rule = new ArmedRule({ fault: 'slow', trigger: { every: 3 } });
    expect([1, 2, 3, 4, 5, 6].map(() => rule.fires(read))).toEqual([false, false, true, false, false, true]);
  });

  it('rate: seeded, so the same requests fire every run, about the rate asked', () => {
    const fired = (seed: number) => {
      const rule = new ArmedRule({ fault: 'status-503', trigger: { rate: 0.25, seed } });
      return Array.from({ length: 400 }, () => rule.fires(read));
    };
    expect(fired(7)).toEqual(fired(7));
    const count = fired(7).filter(Boolean).length;
    expect(count).toBeGreaterThan(60);
    expect(count).toBeLessThan(140);
  });

  it('rate with a limit stops after the limit', () => {
    const rule = new ArmedRule({ fault: 'status-503', trigger: { rate: 1 }, limit: 3 });
    expect(Array.from({ length: 5 }, () => rule.fires(read)).filter(Boolean)).toHaveLength(3);
  });
});

describe('firstFiring', () => {
  it('the first rule that fires takes the request; the later ones still count it', () => {
    const first = new ArmedRule({ fault: 'conflict-409', match: { writes: true }, trigger: { nth: 1 } });
    const second = new ArmedRule({ fault: 'status-500', match: { writes: true }, trigger: { nth: 2 } });
    const write = request('POST', pools);
    expect(firstFiring([first, second], write)?.rule.fault).toBe('conflict-409');
    expect(second.matched).toBe(1);
    expect(firstFiring([first, second], write)?.rule.fault).toBe('status-500');
    expect(firstFiring([first, second], write)).toBeNull();
  });
});

describe('seededRandom', () => {
  it('yields numbers in [0, 1), the same sequence for the same seed', () => {
    const values = Array.from({ length: 100 }, seededRandom(3));
    expect(values.every((value) => value >= 0 && value < 1)).toBe(true);
    expect(Array.from({ length: 100 }, seededRandom(3))).toEqual(values);
    expect(Array.from({ length: 100 }, seededRandom(4))).not.toEqual(values);
  });
});
