import { describe, expect, it } from 'vitest';
import { flagValue, imageTag, parseDump, snapshotFromObjects } from '../../../domain/snapshot.js';
import { controllerDeployment, event, NOW, pool, service, snapshot, speakerDaemonSet } from './builders.js';

describe('parseDump', () => {
  it('reads a kubectl List (items flattened)', () => {
    const text = [
      'apiVersion: v1',
      'kind: List',
      'items:',
      '- apiVersion: v1',
      '  kind: Namespace',
      '  metadata:',
      '    name: demo',
      'metadata: {}',
    ].join('\n');
    expect(parseDump(text)).toEqual({ objects: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'demo' } }] });
  });

  it('reads multi-document YAML, skipping empty documents', () => {
    const text = '---\nkind: A\n---\n---\nkind: B\n';
    expect(parseDump(text)).toEqual({ objects: [{ kind: 'A' }, { kind: 'B' }] });
  });

  it('reads JSON objects and arrays, including typed lists', () => {
    expect(parseDump('{"kind":"ServiceList","items":[{"kind":"Service"}]}')).toEqual({
      objects: [{ kind: 'Service' }],
    });
    expect(parseDump('[{"kind":"A"},{"kind":"B"}]')).toEqual({ objects: [{ kind: 'A' }, { kind: 'B' }] });
  });

  it('keeps timestamps as strings (YAML 1.2 core schema)', () => {
    const parsed = parseDump('kind: Event\nlastTimestamp: 2026-11-23T12:00:00Z\n');
    expect(parsed).toEqual({ objects: [{ kind: 'Event', lastTimestamp: '2026-11-23T12:00:00Z' }] });
  });

  it.each(['a: b: c', 'items: [1, 2\nkind: List', "key: 'unterminated", '{"a": 1'])(
    'malformed input %j gives a one-line error',
    (text) => {
      const parsed = parseDump(text);
      expect(parsed).toHaveProperty('error');
      const error = (parsed as { error: string }).error;
      expect(error).toMatch(/^invalid YAML: .+ at line \d+, column \d+$/);
      expect(error).not.toContain('\n');
    },
  );
});

describe('snapshotFromObjects', () => {
  it('sorts objects by kind and validates them; problems instead of throws', () => {
    const s = snapshot([
      service('demo/web'),
      pool('a', ['192.0.2.0/24']),
      event('demo/web', 'AllocationFailed', 'x', NOW),
      {
        apiVersion: 'events.k8s.io/v1',
        kind: 'Event',
        metadata: { name: 'e2', namespace: 'demo' },
        regarding: { kind: 'Service', name: 'web' },
        reason: 'IPAllocated',
        note: 'Assigned IP ["192.0.2.1"]',
        eventTime: NOW,
        series: { count: 4, lastObservedTime: NOW },
      },
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'demo' } },
      {
        apiVersion: 'metallb.io/v1beta1',
        kind: 'IPAddressPool',
        metadata: { name: 'bad' },
        spec: { addresses: 'not-a-list' },
      },
      service('demo/web'),
      42,
    ]);
    expect(s.services).toHaveLength(1);
    expect(s.pools.map((p) => p.metadata.name)).toEqual(['a']);
    expect(s.events).toEqual([
      expect.objectContaining({
        apiVersion: 'events.k8s.io/v1',
        reason: 'IPAllocated',
        message: 'Assigned IP ["192.0.2.1"]',
        count: 4,
        regarding: { kind: 'Service', namespace: 'demo', name: 'web' },
      }),
      expect.objectContaining({
        apiVersion: 'v1',
        reason: 'AllocationFailed',
        lastTime: NOW,
        regarding: { kind: 'Service', namespace: 'demo', name: 'web' },
      }),
    ]);
    expect(s.problems.map((p) => [p.reason, p.kind, p.name])).toEqual([
      ['unknown-kind', 'Secret', 's'],
      ['invalid-object', 'IPAddressPool', 'bad'],
      ['duplicate-object', 'Service', 'web'],
      ['not-an-object', null, null],
    ]);
    expect(s.problems[1]!.message).toBe('spec.addresses: Invalid input: expected array, received string');
  });

  it('accepts Date objects from @kubernetes/client-node and keeps the snapshot JSON-safe', () => {
    const withDate = { ...event('demo/web', 'AllocationFailed', 'x', NOW), lastTimestamp: new Date(NOW) };
    const s = snapshot([withDate]);
    expect(s.events[0]!.lastTime).toBe(NOW);
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
  });

  it('finds MetalLB from a raw-manifest controller: namespace, version, --lb-class', () => {
    const s = snapshot([
      controllerDeployment({
        namespace: 'lb',
        version: 'v0.14.9',
        args: ['--port=7472', '--lb-class', 'example.com/lb'],
      }),
      pool('a', ['192.0.2.0/24']),
    ]);
    expect([s.metallbNamespace, s.metallbVersion, s.lbClass]).toEqual(['lb', 'v0.14.9', 'example.com/lb']);
  });

  it('finds a Helm release in any namespace', () => {
    const s = snapshot([
      controllerDeployment({ helm: true, namespace: 'networking', version: 'v0.15.3' }),
      speakerDaemonSet({ helm: true, namespace: 'networking' }),
    ]);
    expect([s.metallbNamespace, s.metallbVersion, s.lbClass]).toEqual(['networking', 'v0.15.3', null]);
  });

  it('falls back to the speaker, then to where the pools are', () => {
    expect(snapshot([speakerDaemonSet({ namespace: 'lb', version: 'v0.13.12' })])).toMatchObject({
      metallbNamespace: 'lb',
      metallbVersion: 'v0.13.12',
    });
    expect(
      snapshot([
        pool('a', ['192.0.2.0/24'], { namespace: 'x' }),
        pool('b', ['198.51.100.0/24'], { namespace: 'y' }),
        pool('c', ['203.0.113.0/24'], { namespace: 'y' }),
      ]),
    ).toMatchObject({ metallbNamespace: 'y', metallbVersion: null });
    expect(snapshot([service('demo/web')]).metallbNamespace).toBeNull();
  });

  it('an explicit namespace wins', () => {
    const s = snapshotFromObjects(
      [controllerDeployment({ namespace: 'a' }), controllerDeployment({ namespace: 'b', version: 'v0.13.12' })],
      { collectedAt: NOW, source: 'file', metallbNamespace: 'b' },
    );
    expect([s.metallbNamespace, s.metallbVersion]).toEqual(['b', 'v0.13.12']);
  });
});

describe('image tags and flags', () => {
  it.each([
    ['quay.io/metallb/controller:v0.15.3', 'v0.15.3'],
    ['localhost:5000/metallb/controller:v0.14.9@sha256:abcd', 'v0.14.9'],
    ['localhost:5000/metallb/controller', null],
    ['registry.example/metallb@sha256:abcd', null],
  ])('%s → %s', (image, tag) => {
    expect(imageTag(image)).toBe(tag);
  });

  it.each([
    [['--lb-class=x'], 'x'],
    [['-lb-class', 'y'], 'y'],
    [['--port=7472'], null],
  ])('%j → %s', (args, value) => {
    expect(flagValue(args, 'lb-class')).toBe(value);
  });
});
