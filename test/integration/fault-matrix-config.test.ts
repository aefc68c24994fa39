// reapply-config (in place and --recreate) and apply (a pool rename; a narrow with
// --allow-ip-changes) under every fault kind between the worker and the API server (fault-matrix.ts):
// each run succeeds with its intended result or fails with the cluster as backed up; no healthy
// Service changes IP. Prints the matrix.
import { describeFaultMatrix } from './fault-matrix.js';
import { narrowScenario, reapplyScenario, renameScenario, served } from './fault-scenarios.js';
import { uniqueName } from './helpers.js';

const ns = uniqueName('fault-config');
describeFaultMatrix(
  'reapply-config and apply',
  { namespace: ns, pool: 'fm-a', addresses: served, advertisement: 'fm-l2', services: ['web', 'api'] },
  [
    reapplyScenario('in-place', () => ns),
    reapplyScenario('recreate', () => ns),
    renameScenario(() => ns),
    narrowScenario(() => ns),
  ],
);
