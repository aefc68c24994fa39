import { restartControllerSteps } from '../domain/runbooks/steps.js';
import type { RunbookInput, RunbookResult } from '../domain/runbooks/types.js';
import { waitActivities } from './activity-options.js';
import { deadlineIn } from './progress-tracker.js';
import { restartComponent, type Component, type RestartRun } from './restart-component.js';

async function verifyControllerLog(run: RestartRun, pods: string[]): Promise<string[]> {
  const deadline = deadlineIn(run.limits.logsSeconds);
  const check = { namespace: run.metallb.namespace, pods, deadline, pendingServices: run.pendingBefore };
  const checked = await run.steps.run(restartControllerSteps.verifyLogs, () =>
    waitActivities.checkControllerLog(check),
  );
  return checked.flatMap((pod) => [
    `${pod.pod} loaded its configuration with no configuration error`,
    // Logged for Services the controller cannot serve (pending ones among them); losing an IP is checked below.
    ...(pod.allocationErrors ?? []).map((line) => `${pod.pod} logged (reported, not failed on): ${line}`),
  ]);
}

const controller: Component = {
  runbook: 'restart-controller',
  kind: 'Deployment',
  steps: restartControllerSteps,
  verify: verifyControllerLog,
};

/** Rollout-restarts MetalLB's controller Deployment and verifies it reloaded its configuration. */
export async function restartController(input: RunbookInput): Promise<RunbookResult> {
  return restartComponent(controller, input);
}
