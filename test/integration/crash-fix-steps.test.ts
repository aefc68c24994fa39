// A crash at every step of restart-controller, restart-speakers and cleanup-orphans: the step list
// comes from the one step table (domain/runbooks/steps.ts); each time one of its steps is seen
// running, the worker (a child process behind the fault proxy, which slows every API call so each
// step lasts long enough to be caught) is SIGKILLed and another started. The run must end as a run
// without crashes would: intended result, no healthy Service IP changed.
import { describe } from 'vitest';
import { cleanupOrphansSteps, restartControllerSteps, restartSpeakersSteps } from '../../domain/runbooks/steps.js';
import { itCrashesAtEveryStep, useCrashSession } from './crash-steps.js';
import { cleanupScenario, poolAddresses, restartScenario } from './fault-scenarios.js';
import { uniqueName } from './helpers.js';

describe('a worker crash at every step of the fix runbooks', () => {
  const ns = uniqueName('crash-fix');
  const session = useCrashSession('fix runbooks', {
    namespace: ns,
    pool: 'fm-pool',
    addresses: poolAddresses,
    advertisement: 'fm-l2',
    services: ['web', 'api'],
  });

  itCrashesAtEveryStep(session, [
    [restartScenario('restart-controller', () => ns), Object.values(restartControllerSteps)],
    [restartScenario('restart-speakers', () => ns), Object.values(restartSpeakersSteps)],
    [cleanupScenario(() => ns), Object.values(cleanupOrphansSteps)],
  ]);
});
