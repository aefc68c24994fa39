// mayBeReportable lets diagnose skip parsing most of a long log; it must never skip a line whose parse
// would matter. Checked on real MetalLB logs (the fixtures), on one line of every classified cause, and
// on the shapes it must always parse (klog, unparsed). Some fixtures' lines are skipped, most kept.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { mayBeReportable, parseMetallbLogLine, readForReport } from '../../domain/metallb-logs.js';

const fixtures = ['metallb-v0.13', 'metallb-v0.16'].flatMap((version) =>
  readFileSync(new URL(`../fixtures/${version}/pool-shrunk.controller.log`, import.meta.url), 'utf8')
    .split('\n')
    .filter(Boolean),
);

const oneOfEachCause = [
  '{"level":"error","ts":"2026-01-01T00:00:00Z","msg":"Reconciler error","error":"x"}',
  '{"level":"info","msg":"new configuration rejected"}',
  '{"level":"info","op":"setConfig","msg":"applying new configuration failed"}',
  '{"level":"info","event":"reload failed, retry"}',
  '{"level":"error","op":"allocateIPs","msg":"IP allocation failed","error":"no available IPs"}',
  '{"level":"info","msg":"pools are empty"}',
  '{"level":"debug","event":"no MetalLB configuration in cluster"}',
  '{"level":"info","event":"clearAssignment","error":"not allowed"}',
  '{"level":"warn","msg":"IP allocated by controller not allowed by config"}',
  '{"level":"info","event":"config reloaded"}',
  '{"level":"info","event":"ConfigurationState created","name":"controller"}',
  '{"level":"ERROR","controller":"PoolReconciler","error":"parse"}',
  '{"level":"dpanic","msg":"x"}',
  '2026-01-01T00:00:00.123456789Z {"level":"fatal","msg":"x"}',
];

/** What diagnose keeps once a line is parsed. */
const matters = (line: string): boolean => readForReport(parseMetallbLogLine(line, 'controller'));

describe('mayBeReportable', () => {
  it('never skips a line that matters, in real controller logs', () => {
    const skipped = fixtures.filter((line) => !mayBeReportable(line));
    expect(fixtures.filter(matters).length).toBeGreaterThan(0);
    expect(skipped.length).toBeGreaterThan(0);
    expect(skipped.filter(matters)).toEqual([]);
  });

  it('keeps one line of every classified cause, with or without a timestamp prefix', () => {
    for (const line of oneOfEachCause) {
      expect(matters(line), line).toBe(true);
      expect(mayBeReportable(line), line).toBe(true);
      expect(mayBeReportable(`2026-01-01T00:00:00Z ${line}`), line).toBe(true);
    }
  });

  it('skips the reconcile brackets and routine info lines that make up most of an hour', () => {
    for (const line of [
      '{"level":"info","ts":"2026-01-01T00:00:00Z","start reconcile":"ns/svc"}',
      '2026-01-01T00:00:00Z {"level":"info","event":"serviceUpdated","msg":"service updated"}',
      '{"level":"info","event":"ipAllocated","ip":["192.0.2.1"]}',
    ]) {
      expect(matters(line)).toBe(false);
      expect(mayBeReportable(line)).toBe(false);
    }
  });

  it('always parses klog and unparsed lines (their level is a prefix letter)', () => {
    expect(mayBeReportable('E1202 10:00:00.000000       1 main.go:10] boom {"a":1}')).toBe(true);
    expect(mayBeReportable('2026-01-01T00:00:00Z plain text')).toBe(true);
  });
});
