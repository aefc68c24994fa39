import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  configReloadTimes,
  controllerErrorCauses,
  judgeComponentLog,
  judgeSpeakerLog,
  speakerStateProblems,
} from '../../../domain/runbooks/log-check.js';

const fixture = readFileSync(
  path.resolve(import.meta.dirname, '../../fixtures/metallb-v0.16/pool-shrunk.controller.log'),
  'utf8',
);
const line = (ts: string, fields: Record<string, unknown>) =>
  `${ts} ${JSON.stringify({ level: 'info', ts: ts.slice(0, 19) + 'Z', ...fields })}`;

describe('judgeComponentLog (controller)', () => {
  it('finds the allocation failure the real controller logged when a pool shrank', () => {
    const v = judgeComponentLog(fixture, 'controller', controllerErrorCauses);
    expect(v.configProcessed).toBe(true);
    expect(v.errors.some((e) => e.includes('allocation-failure') && e.includes('no available IPs'))).toBe(true);
  });

  it('is clean and processed after a plain restart, and not processed before "config reloaded"', () => {
    const started = line('2026-11-23T10:00:00.100Z', { caller: 'main.go:189', msg: 'MetalLB controller starting' });
    const reloaded = line('2026-11-23T10:00:00.200Z', {
      caller: 'pool_controller.go:129',
      controller: 'PoolReconciler',
      event: 'config reloaded',
    });
    expect(judgeComponentLog(started, 'controller', controllerErrorCauses)).toEqual({
      configProcessed: false,
      errors: [],
      lines: 1,
      allocationResults: 0,
    });
    expect(judgeComponentLog(`${started}\n${reloaded}`, 'controller', controllerErrorCauses)).toEqual({
      configProcessed: true,
      errors: [],
      lines: 2,
      allocationResults: 0,
    });
  });

  it('counts the allocation outcomes logged after the first config load (what a restart waits for)', () => {
    const failed = (at: string) =>
      line(at, { level: 'error', op: 'allocateIPs', error: 'no available IPs', msg: 'IP allocation failed' });
    const assigned = line('2026-11-23T10:00:00.400Z', { event: 'ipAllocated', ip: ['192.0.2.1'] });
    const reloaded = line('2026-11-23T10:00:00.200Z', { event: 'config reloaded' });
    const text = [failed('2026-11-23T10:00:00.100Z'), reloaded, failed('2026-11-23T10:00:00.300Z'), assigned];
    expect(judgeComponentLog(text.join('\n'), 'controller', []).allocationResults).toBe(2);
  });

  it('reads the kubelet timestamp of each reload, to compare with the time of a delete', () => {
    const text = [
      line('2026-11-23T10:00:00.100Z', { event: 'config reloaded' }),
      line('2026-11-23T10:00:05.250Z', { event: 'config reloaded' }),
    ].join('\n');
    expect(configReloadTimes(text)).toEqual(['2026-11-23T10:00:00.100Z', '2026-11-23T10:00:05.250Z']);
  });
});

describe('judgeSpeakerLog', () => {
  const rejected = line('2026-11-23T10:00:01.000Z', {
    level: 'error',
    op: 'setConfig',
    error: 'service has no configuration under new config',
    msg: 'new configuration rejected',
  });
  const reloaded = line('2026-11-23T10:00:02.000Z', { controller: 'ConfigReconciler', event: 'config reloaded' });

  it('forgives a rejection that a later reload superseded, not one that stands', () => {
    expect(judgeSpeakerLog(`${rejected}\n${reloaded}`).errors).toEqual([]);
    expect(judgeSpeakerLog(`${reloaded}\n${rejected}`).errors).toHaveLength(1);
  });
});

describe('speakerStateProblems', () => {
  it('reports Invalid states of current pods and states still owned by replaced pods', () => {
    const problems = speakerStateProblems(
      [
        { name: 'speaker-n0', result: 'Valid', errorSummary: null, ownerPods: ['speaker-new0'] },
        { name: 'speaker-n1', result: 'Invalid', errorSummary: 'configuration error: x', ownerPods: ['speaker-new1'] },
        { name: 'speaker-n2', result: 'Invalid', errorSummary: 'old', ownerPods: ['speaker-old2'] },
      ],
      ['speaker-new0', 'speaker-new1', 'speaker-new2'],
    );
    expect(problems).toEqual([
      'speaker-n1 reports Invalid: configuration error: x',
      'speaker-n2 still belongs to replaced pod speaker-old2 (awaiting garbage collection)',
    ]);
  });
});
