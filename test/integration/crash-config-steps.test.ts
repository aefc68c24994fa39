// A crash at every step of reapply-config (in place, --recreate) and apply (a pool rename): the step
// list comes from the one step table (domain/runbooks/steps.ts); each time one of its steps is seen
// running, the worker (a child process behind the fault proxy, which slows every API call so each
// step lasts long enough to be caught) is SIGKILLed and another started. Then the Temporal server
// itself is killed and restarted in the middle of an apply. Each run must end as a run without
// crashes would: intended result (or the cluster as backed up), no healthy Service IP changed.
import { describe, expect, it } from 'vitest';
import type { WorkflowHandle } from '@temporalio/client';
import { applyStepList, inPlaceSteps, recreateSteps, type AnyStep } from '../../domain/runbooks/steps.js';
import { crashedRun, useCrashSession } from './crash-steps.js';
import { runChecked, type Scenario } from './fault-matrix.js';
import { reapplyScenario, renameScenario, served } from './fault-scenarios.js';
import { waitForStep } from './fix-helpers.js';
import { killAndRestartTemporal, temporalClient, uniqueName } from './helpers.js';

describe('a worker crash at every step of reapply-config and apply; a Temporal restart mid-apply', () => {
  const ns = uniqueName('crash-config');
  const session = useCrashSession('reapply-config and apply', {
    namespace: ns,
    pool: 'fm-a',
    addresses: served,
    advertisement: 'fm-l2',
    services: ['web', 'api'],
  });

  const cases: [Scenario, readonly AnyStep[]][] = [
    [reapplyScenario('in-place', () => ns), inPlaceSteps],
    [reapplyScenario('recreate', () => ns), recreateSteps],
    [renameScenario(() => ns), applyStepList],
  ];
  for (const [scenario, steps] of cases)
    it(`${scenario.name}: killed at each of its steps, it ends as if never killed`, async () => {
      const checked = await crashedRun(session, scenario, steps);
      expect(checked.outcome).toBe('succeeded');
      expect(session.tally.at(-1)!.points.some((point) => point.result === 'killed while running')).toBe(true);
    }, 300_000);

  it('the Temporal server is SIGKILLed and restarted while an apply writes; the apply completes', async () => {
    const scenario = renameScenario(() => ns);
    const restart = async (handle: WorkflowHandle): Promise<WorkflowHandle> => {
      const { workflowId, runId } = await handle.describe();
      expect((await waitForStep(handle, 'write-step-1', 'running')).phase).toBe('running');
      const seconds = await killAndRestartTemporal();
      await session.connection.close().catch(() => undefined);
      console.log(`[crash] Temporal server restarted in ${seconds.toFixed(1)}s`);
      ({ client: session.client, connection: session.connection } = await temporalClient());
      return session.client.workflow.getHandle(workflowId, runId);
    };
    const checked = await runChecked(
      scenario,
      () => scenario.start(session.client, session.proxied.context),
      'apply-temporal-restart',
      restart,
    );
    console.log(`[crash] apply across a Temporal restart: ${checked.outcome} in ${checked.seconds.toFixed(1)}s`);
    expect(checked.outcome).toBe('succeeded');
  }, 300_000);
});
