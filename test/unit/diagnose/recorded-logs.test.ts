import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { allocated, installation, l2Adv, pool, run, withId } from './builders.js';

// Log lines recorded from the real controllers in the lab (test/fixtures/*/pool-shrunk.*), replayed
// through the analysis with the "now" moved to just after they were written.
const fixture = (file: string) => readFileSync(new URL(`../../fixtures/${file}`, import.meta.url), 'utf8');
const lastTime = (log: string) =>
  [...log.matchAll(/"ts":"([^"]+)"/g)]
    .map((m) => m[1]!)
    .sort()
    .at(-1)!;

function diagnoseRecorded(version: string, log: string, objects: unknown[]) {
  const collectedAt = new Date(Date.parse(lastTime(log)) + 5_000).toISOString();
  return run([...installation({ version }), l2Adv('all'), ...objects], {
    collectedAt,
    logs: { controller: log, speaker: '' },
    logsSince: new Date(Date.parse(collectedAt) - 3_600_000).toISOString(),
  });
}

describe('recorded controller logs', () => {
  it('v0.13.12 after a pool edit: the fail-static stale config and the orphaned IP it keeps', () => {
    const log = fixture('metallb-v0.13/pool-shrunk.controller.log');
    const report = diagnoseRecorded('v0.13.12', log, [
      pool('legacy-pool', ['198.51.100.8/29']),
      allocated('default/web', ['198.51.100.0'], 'legacy-pool'),
    ]);
    const stale = withId(report, 'controller-config-stale-legacy');
    expect(stale.map((f) => f.severity)).toEqual(['error']);
    expect(stale[0]!.title).toContain('198.51.100.0');
    expect(stale[0]!.fix?.command).toBe('metallb-runbooks fix restart-controller');
    const orphan = withId(report, 'orphaned-ip');
    expect(orphan.map((f) => f.objects.find((o) => o.kind === 'Service')?.name)).toEqual(['web']);
    // On v0.13 the controller keeps its old config: the finding must say so, not promise a reassignment.
    expect(orphan[0]!.detail).toMatch(/0\.13|stale|old config/i);
  });

  it('v0.16.1 after the same edit: clearing and the failed reallocation, no stale config', () => {
    const log = fixture('metallb-v0.16/pool-shrunk.controller.log');
    const report = diagnoseRecorded('v0.16.1', log, [pool('p', ['192.0.2.1/32'])]);
    expect(withId(report, 'controller-config-stale-legacy')).toEqual([]);
    expect(withId(report, 'controller-config-parse-error')).toEqual([]);
    expect(withId(report, 'controller-allocation-failed').map((f) => f.severity)).toEqual(['warning']);
    expect(withId(report, 'controller-ip-cleared').length).toBe(1);
  });

  it('v0.16.1 start-up: the ConfigurationState race the controller recovers from is no finding', () => {
    const log = fixture('metallb-v0.16/pool-shrunk.controller.log');
    const startUp = log.split('\n').slice(0, 40).join('\n');
    expect(startUp).toContain('configurationstates.metallb.io \\"controller\\" not found');
    const report = diagnoseRecorded('v0.16.1', startUp, [pool('p', ['192.0.2.0/28'])]);
    expect(report.findings.filter((f) => JSON.stringify(f).includes('configurationstates'))).toEqual([]);
    expect(report.findings.filter((f) => f.check === 'component-errors' && f.severity !== 'info')).toEqual([]);
  });

  it('v0.13.12 with a BGPPeer password: the report (examples included) never carries it or the Secret data', () => {
    const password = 'recorded-peer-password-91c';
    const peer = `{\\"kind\\":\\"BGPPeer\\",\\"spec\\":{\\"password\\":\\"${password}\\"}}`;
    // Only the "reload failed, retry" lines, so one of them is the finding's example.
    const reloads = fixture('metallb-v0.13/pool-shrunk.controller.log')
      .split('\n')
      .filter((line) => line.includes('reload failed'))
      .join('\n');
    const log = reloads.replaceAll('\\"bgppeers\\":[]', `\\"bgppeers\\":[${peer}]`);
    expect(log).toContain(password);
    const report = diagnoseRecorded('v0.13.12', log, [
      pool('legacy-pool', ['198.51.100.8/29']),
      allocated('default/web', ['198.51.100.0'], 'legacy-pool'),
    ]);
    const examples = report.findings.flatMap((f) =>
      typeof f.data?.['example'] === 'string' ? [f.data['example']] : [],
    );
    expect(examples.length).toBeGreaterThan(0);
    expect(JSON.stringify(report)).not.toContain(password);
  });
});
