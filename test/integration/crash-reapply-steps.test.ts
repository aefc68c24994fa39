// A crash at every step of reapply-config, in place and --recreate: the step list comes from the one
// step table (domain/runbooks/steps.ts); each time one of its steps is seen running, the worker (a
// child process behind the fault proxy, which slows every API call so each step lasts long enough
// to be caught) is SIGKILLed and another started. Each run must end as a run without crashes would:
// every object as backed up, every Service with its IPs, no pin left.
import { describe } from 'vitest';
import { inPlaceSteps, recreateSteps } from '../../domain/runbooks/steps.js';
import { itCrashesAtEveryStep, useCrashSession } from './crash-steps.js';
import { reapplyScenario, served } from './fault-scenarios.js';
import { uniqueName } from './helpers.js';

describe('a worker crash at every step of reapply-config', () => {
  const ns = uniqueName('crash-reapply');
  const session = useCrashSession('reapply-config', {
    namespace: ns,
    pool: 'fm-a',
    addresses: served,
    advertisement: 'fm-l2',
    services: ['web', 'api'],
  });

  itCrashesAtEveryStep(session, [
    [reapplyScenario('in-place', () => ns), inPlaceSteps],
    [reapplyScenario('recreate', () => ns), recreateSteps],
  ]);
});
