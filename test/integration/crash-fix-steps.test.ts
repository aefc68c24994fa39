// A crash at every step of restart-controller, restart-speakers and cleanup-orphans: the step list
// comes from the one step table (domain/runbooks/steps.ts); each time one of its steps is seen
// running, the worker (a child process behind the fault proxy, which slows every API call so each
// step lasts long enough to be caught) is SIGKILLed and another started. The run must end as a run
// without crashes would: intended result, no healthy Service IP changed.
import { describe, expect, it } from 'vitest';
import {
  cleanupOrphansSteps,
  restartControllerSteps,
  restartSpeakersSteps,
  type AnyStep,
} from '../../domain/runbooks/steps.js';
import { crashedRun, useCrashSession } from './crash-steps.js';
import type { Scenario } from './fault-matrix.js';
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

  const cases: [Scenario, readonly AnyStep[]][] = [
    [restartScenario('restart-controller', () => ns), Object.values(restartControllerSteps)],
    [restartScenario('restart-speakers', () => ns), Object.values(restartSpeakersSteps)],
    [cleanupScenario(() => ns), Object.values(cleanupOrphansSteps)],
  ];
  for (const [scenario, steps] of cases)
    it(`${scenario.name}: killed at each of its ${steps.length} steps, it ends as if never killed`, async () => {
      const checked = await crashedRun(session, scenario, steps);
      expect(checked.outcome).toBe('succeeded');
      expect(session.tally.at(-1)!.points.some((point) => point.result === 'killed while running')).toBe(true);
    }, 300_000);
});
