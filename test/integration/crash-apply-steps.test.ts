// A crash at every step of apply (a pool rename): the step list comes from the one step table
// (domain/runbooks/steps.ts); each time one of its steps is seen running, the worker (a child
// process behind the fault proxy, which slows every API call so each step lasts long enough to be
// caught) is SIGKILLed and another started. Then the Temporal server itself is killed and restarted
// in the middle of an apply. Each run must end as a run without crashes would: intended result (or
// the cluster as backed up), no healthy Service IP changed.
import { describe, expect, it } from 'vitest';
import type { WorkflowHandle } from '@temporalio/client';
import { applyStepList } from '../../domain/runbooks/steps.js';
import { itCrashesAtEveryStep, useCrashSession } from './crash-steps.js';
import { runChecked } from './fault-matrix.js';
import { renameScenario, served } from './fault-scenarios.js';
import { waitForStep } from './fix-helpers.js';
import { killAndRestartTemporal, temporalClient, uniqueName } from './helpers.js';

describe('a worker crash at every step of apply; a Temporal restart mid-apply', () => {
  const ns = uniqueName('crash-apply');
  const session = useCrashSession('apply', {
    namespace: ns,
    pool: 'fm-a',
    addresses: served,
    advertisement: 'fm-l2',
    services: ['web', 'api'],
  });

  itCrashesAtEveryStep(session, [[renameScenario(() => ns), applyStepList]]);

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
