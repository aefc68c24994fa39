// A crash at every step of restart-controller, restart-speakers and cleanup-orphans: the step list
// comes from the one step table (domain/runbooks/steps.ts); each time one of its steps is seen
// running, the worker (a child process behind the fault proxy, which slows every API call so each
// step lasts long enough to be caught) is SIGKILLed and another started. The run must end as a run
// without crashes would: intended result, no healthy Service IP changed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cleanupOrphansSteps,
  restartControllerSteps,
  restartSpeakersSteps,
  type AnyStep,
} from '../../domain/runbooks/steps.js';
import { startProxiedLab, type ProxiedLab } from './fault-lab.js';
import { ChildWorkers, crashedRun, describeCrashTally, type CrashedRun } from './crash-steps.js';
import type { Scenario } from './fault-matrix.js';
import { cleanupScenario, poolAddresses, restartScenario } from './fault-scenarios.js';
import { deleteAllMetallbConfig, removeNamespace } from './fix-helpers.js';
import { createServedPool, temporalClient, uniqueName } from './helpers.js';
import type { Client, Connection } from '@temporalio/client';

describe('a worker crash at every step of the fix runbooks', () => {
  const ns = uniqueName('crash-fix');
  let proxied: ProxiedLab;
  let workers: ChildWorkers;
  let client: Client;
  let connection: Connection;
  const tally: CrashedRun[] = [];

  beforeAll(async () => {
    await createServedPool({
      namespace: ns,
      pool: 'fm-pool',
      addresses: poolAddresses,
      advertisement: 'fm-l2',
      services: ['web', 'api'],
    });
    proxied = await startProxiedLab();
    proxied.proxy.arm([{ fault: 'slow', trigger: { every: 1 }, delayMs: 250 }]);
    workers = new ChildWorkers(proxied);
    await workers.start();
    ({ client, connection } = await temporalClient());
  });
  afterAll(async () => {
    console.log(describeCrashTally('fix runbooks', tally, workers?.started ?? 0));
    await workers?.stop();
    await connection?.close();
    await proxied?.close();
    await removeNamespace(ns);
    await deleteAllMetallbConfig();
  });

  const cases: [Scenario, readonly AnyStep[]][] = [
    [restartScenario('restart-controller', () => ns), Object.values(restartControllerSteps)],
    [restartScenario('restart-speakers', () => ns), Object.values(restartSpeakersSteps)],
    [cleanupScenario(() => ns), Object.values(cleanupOrphansSteps)],
  ];
  for (const [scenario, steps] of cases)
    it(`${scenario.name}: killed at each of its ${steps.length} steps, it ends as if never killed`, async () => {
      const checked = await crashedRun({ client: () => client, proxied, workers, tally }, scenario, steps);
      expect(checked.outcome).toBe('succeeded');
      expect(tally.at(-1)!.points.some((point) => point.result === 'killed while running')).toBe(true);
    }, 300_000);
});
