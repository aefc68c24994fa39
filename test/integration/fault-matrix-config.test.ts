// reapply-config (in place and --recreate) and apply (a pool rename; a narrow with
// --allow-ip-changes) under every fault kind between the worker and the API server (fault-matrix.ts):
// each run succeeds with its intended result or fails with the cluster as backed up; no healthy
// Service changes IP. Prints the matrix.
import { afterAll, beforeAll, describe, it } from 'vitest';
import { faultKinds } from './fault-rules.js';
import { openFaultSession, printMatrix, runFaultCase, type FaultSession, type MatrixRow } from './fault-matrix.js';
import { narrowScenario, reapplyScenario, renameScenario, served } from './fault-scenarios.js';
import { deleteAllMetallbConfig, removeNamespace } from './fix-helpers.js';
import { createServedPool, uniqueName } from './helpers.js';

describe('config runbooks and apply under API faults', () => {
  const ns = uniqueName('fault-config');
  const rows: MatrixRow[] = [];
  let session: FaultSession;
  const scenarios = [
    reapplyScenario('in-place', () => ns),
    reapplyScenario('recreate', () => ns),
    renameScenario(() => ns),
    narrowScenario(() => ns),
  ];

  beforeAll(async () => {
    await createServedPool({
      namespace: ns,
      pool: 'fm-a',
      addresses: served,
      advertisement: 'fm-l2',
      services: ['web', 'api'],
    });
    session = await openFaultSession();
  });
  afterAll(async () => {
    printMatrix('reapply-config and apply', rows);
    await session?.close();
    await removeNamespace(ns);
    await deleteAllMetallbConfig();
  });

  for (const scenario of scenarios)
    it.each(faultKinds)(`${scenario.name} under %s`, async (fault) => {
      rows.push(await runFaultCase(session, scenario, fault));
    });
});
