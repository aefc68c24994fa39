import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { normalisedTime, prefixTime } from '../../domain/log-window.js';
import { mayBeReportable } from '../../domain/metallb-logs.js';
import { fileLogCache } from '../../kube/log-cache.js';
import { readCluster, serverOf, type ReadScope } from '../../kube/read-cluster.js';
import {
  createL2Advertisement,
  createLoadBalancer,
  createNamespace,
  createPool,
  deleteAllMetallbConfig,
  eventually,
  labClients,
  removeNamespace,
  uniqueName,
} from './helpers.js';

/**
 * A resumed log read asks the API server for what came since the last read, capped at a line count so the
 * kubelet (here kwok) reads the file from its end; one that does not reach back past the lines held is asked
 * again without the cap. Either way
 * the controller's log must come out as a fresh read of the window gives it: no line lost, none repeated.
 */
describe('the diagnose log cache on the lab', () => {
  let ns: string;
  let cacheDir: string;

  beforeEach(async () => {
    await deleteAllMetallbConfig();
    ns = uniqueName('logcache');
    await createNamespace(ns);
    cacheDir = mkdtempSync(path.join(os.tmpdir(), 'metallb-log-cache-'));
  });

  afterEach(async () => {
    await removeNamespace(ns);
    await deleteAllMetallbConfig();
    rmSync(cacheDir, { recursive: true, force: true });
  });

  it('resumes with a capped tail, or the whole when the tail does not reach back, and loses no line', async () => {
    const { kc } = labClients();
    const testStart = normalisedTime(new Date(Date.now() - 1000).toISOString());
    const cache = (name: string) => fileLogCache({ server: serverOf(kc), name }, cacheDir);
    const capped = cache('capped');
    const refetched = cache('refetched');
    const read = async (scope: Partial<ReadScope>) => {
      const { logs } = await readCluster(kc, { logSinceSeconds: 600, serviceEvents: 'problems', ...scope });
      // The lines after the test began, which every read's window holds.
      return logs.controller.split('\n').filter((line) => (prefixTime(line) ?? '') >= testStart);
    };
    // What a diagnosis uses of the lines logged before `cutoff` (a cached read keeps only those it can use).
    const usableBefore = (lines: string[], cutoff: string) =>
      lines.filter((line) => mayBeReportable(line) && prefixTime(line)! < cutoff);
    // Both caches are primed, so the reads below resume.
    await read({ logCache: capped });
    await read({ logCache: refetched, resumeTailLines: 1 });
    const pool = uniqueName('pool');
    await createPool(pool, ['192.0.2.0/28']);
    await createL2Advertisement(uniqueName('l2'), [pool]);
    // An IP no pool holds: the controller logs a failure for the Service.
    await createLoadBalancer(ns, 'outside', {
      spec: { type: 'LoadBalancer', loadBalancerIP: '203.0.113.50', ports: [{ port: 80, protocol: 'TCP' }] },
    });
    const logged = (text: string) => async () => {
      const lines = await read({});
      return lines.some((line) => line.includes(text)) ? lines : undefined;
    };
    await eventually('the controller to log a failure for the Service', logged(`"name":"${ns}/outside"`));
    // A line after the failure, so that every line up to it was in the file before the resumed reads begin.
    await createLoadBalancer(ns, 'after');
    const lines = await eventually('the controller to log the next Service', logged(`${ns}/after`));
    const cutoff = prefixTime(lines.find((line) => line.includes(`${ns}/after`))!)!;
    const expected = usableBefore(lines, cutoff);
    expect(expected.some((line) => line.includes(`${ns}/outside`))).toBe(true);
    expect(usableBefore(await read({ logCache: capped }), cutoff)).toEqual(expected);
    expect(usableBefore(await read({ logCache: refetched, resumeTailLines: 1 }), cutoff)).toEqual(expected);
  });
});
