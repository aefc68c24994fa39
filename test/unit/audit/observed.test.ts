import { describe, expect, it } from 'vitest';
import {
  deleteWriter,
  observedChangeId,
  observedDiff,
  observedObject,
  observedRecord,
  relistChanges,
  specChanged,
  watchedObject,
  writerOf,
  type ServedObject,
  type WatchedObject,
} from '../../../domain/audit/observed.js';
import { recordMatches } from '../../../domain/audit/query.js';
import { recordSource } from '../../../domain/audit/record.js';
import { servicesAfter, type ServiceIpEvent } from '../../../domain/audit/service-effects.js';

type Entry = NonNullable<NonNullable<ServedObject['metadata']>['managedFields']>[number];

function pool(resourceVersion: string, addresses: string[], managers: Entry[], extra: object = {}): WatchedObject {
  return watchedObject('IPAddressPool', {
    metadata: { name: 'web', namespace: 'metallb-system', uid: 'u1', resourceVersion, managedFields: managers },
    spec: { addresses, ...extra },
  });
}

const helmCreate = { manager: 'helm', operation: 'Update', time: '2026-12-02T05:00:00Z' };
const controllerStatus = {
  manager: 'controller',
  operation: 'Update',
  time: '2026-12-02T05:00:05Z',
  subresource: 'status',
};

describe('spec changes', () => {
  it('a status write or a metadata-only edit is no change; a spec edit and a first sight are', () => {
    const before = pool('10', ['192.0.2.0/28'], [helmCreate]);
    const statusOnly = pool('11', ['192.0.2.0/28'], [helmCreate, controllerStatus]);
    expect(specChanged(before, statusOnly)).toBe(false);
    expect(specChanged(before, pool('12', ['192.0.2.0/29'], [helmCreate]))).toBe(true);
    expect(specChanged(undefined, before)).toBe(true);
  });

  it('keeps no credential: an inline BGPPeer password is redacted before it is kept', () => {
    const peer = watchedObject('BGPPeer', { metadata: { name: 'p' }, spec: { password: 's3cret', peerASN: 64500 } });
    expect(JSON.stringify(peer)).not.toContain('s3cret');
  });
});

describe('field manager attribution', () => {
  it('names the manager whose managedFields entry moved, not the status writer', () => {
    const before = pool('10', ['192.0.2.0/28'], [helmCreate, controllerStatus]);
    const edit = { manager: 'kubectl-edit', operation: 'Update', time: '2026-12-02T05:10:00Z' };
    const after = pool(
      '12',
      ['192.0.2.0/29'],
      [helmCreate, edit, { ...controllerStatus, time: '2026-12-02T05:11:00Z' }],
    );
    expect(writerOf(before, after)).toEqual({ manager: 'kubectl-edit', note: null, at: '2026-12-02T05:10:00Z' });
  });

  it('writes within one second (times equal): the owner of the changed spec field is named', () => {
    const spec = { 'f:spec': { 'f:addresses': {} } };
    const at = '2026-12-02T05:00:00Z';
    const served = (resourceVersion: string, addresses: string[], patchOwns: boolean) =>
      watchedObject('IPAddressPool', {
        metadata: {
          name: 'web',
          uid: 'u1',
          resourceVersion,
          managedFields: [
            { manager: 'kubectl-client-side-apply', operation: 'Update', time: at, fieldsV1: patchOwns ? {} : spec },
            { manager: 'kubectl-patch', operation: 'Update', time: at, fieldsV1: patchOwns ? spec : {} },
          ],
        },
        spec: { addresses },
      });
    const writer = writerOf(served('11', ['192.0.2.0/29'], false), served('12', ['192.0.2.0/30'], true));
    expect(writer.manager).toBe('kubectl-patch');
    expect(writer.note).toMatch(/named by the changed spec fields it owns/);
  });

  it('a server-side apply under a custom manager is attributed to it', () => {
    const before = pool('10', ['192.0.2.0/28'], [helmCreate]);
    const applied = { manager: 'argocd-controller', operation: 'Apply', time: '2026-12-02T05:20:00Z' };
    expect(writerOf(before, pool('13', ['192.0.2.0/27'], [helmCreate, applied])).manager).toBe('argocd-controller');
  });

  it('the same manager writing again moves its time; several writers between two reads are all named', () => {
    const first = { manager: 'kubectl-client-side-apply', operation: 'Update', time: '2026-12-02T05:00:00Z' };
    const before = pool('10', ['192.0.2.0/28'], [first]);
    const again = { ...first, time: '2026-12-02T05:30:00Z' };
    const patch = { manager: 'kubectl-patch', operation: 'Update', time: '2026-12-02T05:29:00Z' };
    const writer = writerOf(before, pool('14', ['192.0.2.0/29'], [again, patch]));
    expect(writer.manager).toBe('kubectl-client-side-apply');
    expect(writer.note).toBe('also written since the last record by kubectl-patch');
  });

  it('a delete carries no field manager: it says so and names the last writer', () => {
    expect(deleteWriter(pool('10', ['192.0.2.0/28'], [helmCreate]))).toEqual({
      manager: 'unknown',
      note: 'delete requests carry no field manager; the last writer was helm',
      at: null,
    });
  });
});

describe('relist after 410 Gone', () => {
  it('is the difference between the state last recorded and now: created, changed, deleted, replaced', () => {
    const known = new Map([
      ['IPAddressPool/web', pool('10', ['192.0.2.0/28'], [helmCreate])],
      ['IPAddressPool/same', { ...pool('10', ['198.51.100.0/28'], [helmCreate]), name: 'same' }],
      ['IPAddressPool/gone', { ...pool('10', ['203.0.113.0/28'], [helmCreate]), name: 'gone' }],
    ]);
    const edit = { manager: 'kubectl-edit', operation: 'Update', time: '2026-12-02T06:00:00Z' };
    const listed = new Map([
      ['IPAddressPool/web', pool('20', ['192.0.2.0/29'], [helmCreate, edit])],
      ['IPAddressPool/same', { ...pool('21', ['198.51.100.0/28'], [helmCreate, controllerStatus]), name: 'same' }],
      ['IPAddressPool/new', { ...pool('22', ['203.0.113.64/28'], [edit]), name: 'new', uid: 'u2' }],
    ]);
    const changes = relistChanges(known, listed, '2026-12-02T06:05:00Z');
    expect(changes.map(({ change }) => `${change.action} ${change.object} ${change.manager}`)).toEqual([
      'create IPAddressPool/new kubectl-edit',
      'update IPAddressPool/web kubectl-edit',
      'delete IPAddressPool/gone unknown',
    ]);
    expect(changes[1]!.diff.fields).toEqual([
      { path: 'spec.addresses', before: ['192.0.2.0/28'], after: ['192.0.2.0/29'] },
    ]);
  });
});

describe('the record of a watched change', () => {
  it('is source outside, names the manager, and is found by --source outside only', () => {
    const before = pool('10', ['192.0.2.0/28'], [helmCreate]);
    const after = pool('12', ['192.0.2.0/29'], [helmCreate, { ...helmCreate, manager: 'kubectl-edit' }]);
    const change = observedObject('update', after, writerOf(before, after), '2026-12-02T05:10:01Z');
    const record = observedRecord({
      id: observedChangeId('lab', after, 'update'),
      cluster: 'lab',
      changes: [{ change, diff: observedDiff(change, before.spec, after.spec) }],
      seenAt: '2026-12-02T05:10:01Z',
      gap: null,
    });
    expect(record.id).toBe('observed/lab/IPAddressPool/web/u1/12');
    expect(record.objects).toEqual(['IPAddressPool/web']);
    expect(record.diff[0]!.by).toBe('field manager kubectl-edit');
    expect(recordMatches(record, { source: 'outside' })).toBe(true);
    expect(recordMatches(record, { source: 'ours' })).toBe(false);
    // Records of our runs carry no source field: they are ours.
    expect(recordSource({})).toBe('ours');
  });
});

describe('Services after a change, from the controller Events', () => {
  const event = (service: string, reason: string, message: string, time: string): ServiceIpEvent => ({
    service,
    reason,
    message,
    time,
  });

  it('moved, dropped and assigned within a minute after; earlier and later Events do not count', () => {
    const events = [
      event('demo/web', 'IPAllocated', 'Assigned IP ["192.0.2.10"]', '2026-12-02T05:00:00.000Z'),
      event('demo/web', 'ClearAssignment', 'current IP not allowed', '2026-12-02T05:10:01.000Z'),
      event('demo/web', 'IPAllocated', 'Assigned IP ["192.0.2.3"]', '2026-12-02T05:10:01.000Z'),
      event('demo/db', 'ClearAssignment', 'current IP not allowed', '2026-12-02T05:10:02.000Z'),
      event('demo/db', 'AllocationFailed', 'no available IPs', '2026-12-02T05:10:02.000Z'),
      event('demo/new', 'IPAllocated', 'Assigned IP ["192.0.2.4"]', '2026-12-02T05:10:30.000Z'),
      event('demo/late', 'ClearAssignment', 'current IP not allowed', '2026-12-02T05:12:00.000Z'),
    ];
    const effects = servicesAfter(events, '2026-12-02T05:10:00Z');
    expect(effects.map((effect) => [effect.service, effect.outcome, effect.ips])).toEqual([
      ['demo/db', 'dropped', []],
      ['demo/new', 'assigned', ['192.0.2.4']],
      ['demo/web', 'moved', ['192.0.2.3']],
    ]);
  });

  it("a change owns the Events until the next change: an earlier change does not take the later one's moves", () => {
    const events = [
      event('demo/web', 'IPAllocated', 'Assigned IP ["192.0.2.10"]', '2026-12-02T05:10:01.000Z'),
      event('demo/web', 'ClearAssignment', 'current IP not allowed', '2026-12-02T05:10:05.000Z'),
      event('demo/web', 'IPAllocated', 'Assigned IP ["192.0.2.3"]', '2026-12-02T05:10:05.000Z'),
    ];
    const first = servicesAfter(events, '2026-12-02T05:10:00Z', '2026-12-02T05:10:05Z');
    expect(first.map((effect) => [effect.service, effect.outcome, effect.ips])).toEqual([
      ['demo/web', 'assigned', ['192.0.2.10']],
    ]);
    const second = servicesAfter(events, '2026-12-02T05:10:05Z', null);
    expect(second.map((effect) => [effect.outcome, effect.ips])).toEqual([['moved', ['192.0.2.3']]]);
  });
});
