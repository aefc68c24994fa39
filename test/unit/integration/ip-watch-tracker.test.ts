import { describe, expect, it } from 'vitest';
import { ServiceIpTracker, describeIpLess, ipChanges, ipLessMs } from '../../integration/ip-watch.js';

describe('ServiceIpTracker (what apply tests measure IP stability with)', () => {
  it('records an IP-less interval and no change when a Service comes back with the same IP', () => {
    const tracker = new ServiceIpTracker();
    tracker.start('ns/web', ['192.0.2.10']);
    tracker.observe('ns/web', [], 1_000);
    tracker.observe('ns/web', ['192.0.2.10'], 1_250);
    const report = tracker.report(2_000, 0);
    expect(report.services['ns/web']?.ipLess).toEqual([{ from: 1_000, to: 1_250 }]);
    expect(ipLessMs(report.services['ns/web']!)).toBe(250);
    expect(ipChanges(report)).toEqual({});
  });

  it('counts a Service that goes pending and comes back elsewhere as an IP change', () => {
    const tracker = new ServiceIpTracker();
    tracker.start('ns/web', ['192.0.2.10']);
    tracker.observe('ns/web', [], 1_000);
    tracker.observe('ns/web', ['192.0.2.11'], 1_100);
    const report = tracker.report(2_000, 0);
    expect(report.services['ns/web']?.changes).toEqual([{ at: 1_100, from: ['192.0.2.10'], to: ['192.0.2.11'] }]);
    expect(Object.keys(ipChanges(report))).toEqual(['ns/web']);
    expect(ipChanges(report, ['ns/web'])).toEqual({});
  });

  it('closes an interval still open at the end, and ignores a pending Service that stays pending', () => {
    const tracker = new ServiceIpTracker();
    tracker.start('ns/web', ['192.0.2.10']);
    tracker.start('ns/pending', []);
    tracker.observe('ns/pending', [], 500);
    tracker.observe('ns/web', [], 1_000);
    const report = tracker.report(1_500, 1);
    expect(report.services['ns/web']?.ipLess).toEqual([{ from: 1_000, to: 1_500 }]);
    expect(report.services['ns/pending']?.ipLess).toEqual([]);
    expect(describeIpLess(report)).toBe('ns/web: 500 ms without an IP in 1 interval(s)');
  });

  it('a pending Service that gets its first IP is no change', () => {
    const tracker = new ServiceIpTracker();
    tracker.start('ns/new', []);
    tracker.observe('ns/new', ['192.0.2.12'], 100);
    expect(tracker.report(200, 0).services['ns/new']?.changes).toEqual([]);
  });
});
