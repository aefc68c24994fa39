// restart-controller, restart-speakers and cleanup-orphans under every fault kind between the worker
// and the API server (fault-matrix.ts): each run succeeds with its intended result or fails with the
// cluster as it was; no healthy Service changes IP. Prints the matrix.
import { describeFaultMatrix } from './fault-matrix.js';
import { cleanupScenario, poolAddresses, restartScenario } from './fault-scenarios.js';
import { uniqueName } from './helpers.js';

const ns = uniqueName('fault-fix');
describeFaultMatrix(
  'fix runbooks',
  { namespace: ns, pool: 'fm-pool', addresses: poolAddresses, advertisement: 'fm-l2', services: ['web', 'api'] },
  [
    restartScenario('restart-controller', () => ns),
    restartScenario('restart-speakers', () => ns),
    cleanupScenario(() => ns),
  ],
);
