// restart-controller, restart-speakers and cleanup-orphans under every fault kind between the worker
// and the API server (fault-matrix.ts): each run succeeds with its intended result or fails with the
// cluster as it was; no healthy Service changes IP. Prints the matrix.
import { afterAll, beforeAll, describe, it } from 'vitest';
import { faultKinds } from './fault-rules.js';
import { openFaultSession, printMatrix, runFaultCase, type FaultSession, type MatrixRow } from './fault-matrix.js';
import { cleanupScenario, poolAddresses, restartScenario } from './fault-scenarios.js';
import { deleteAllMetallbConfig, removeNamespace } from './fix-helpers.js';
import { createServedPool, uniqueName } from './helpers.js';

describe('fix runbooks under API faults', () => {
  const ns = uniqueName('fault-fix');
  const rows: MatrixRow[] = [];
  let session: FaultSession;
  const scenarios = [
    restartScenario('restart-controller', () => ns),
    restartScenario('restart-speakers', () => ns),
    cleanupScenario(() => ns),
  ];

  beforeAll(async () => {
    await createServedPool({
      namespace: ns,
      pool: 'fm-pool',
      addresses: poolAddresses,
      advertisement: 'fm-l2',
      services: ['web', 'api'],
    });
    session = await openFaultSession();
  });
  afterAll(async () => {
    printMatrix('fix runbooks', rows);
    await session?.close();
    await removeNamespace(ns);
    await deleteAllMetallbConfig();
  });

  for (const scenario of scenarios)
    it.each(faultKinds)(`${scenario.name} under %s`, async (fault) => {
      rows.push(await runFaultCase(session, scenario, fault));
    });
});
