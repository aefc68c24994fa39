import { restartSpeakersSteps } from '../domain/runbooks/steps.js';
import type { RunbookInput, RunbookResult } from '../domain/runbooks/types.js';
import { waitActivities } from './activity-options.js';
import { deadlineIn } from './progress-tracker.js';
import { restartComponent, type Component, type RestartRun } from './restart-component.js';

async function verifySpeakers(run: RestartRun, pods: string[]): Promise<string[]> {
  const check = { namespace: run.metallb.namespace, pods, deadline: deadlineIn(run.limits.logsSeconds) };
  const checked = await run.steps.run(restartSpeakersSteps.verifyLogs, () => waitActivities.checkSpeakers(check));
  return [
    `${pods.length} new speaker(s): no rejected configuration (${checked.statesChecked} ConfigurationState(s) checked)`,
  ];
}

const speakers: Component = {
  runbook: 'restart-speakers',
  kind: 'DaemonSet',
  steps: restartSpeakersSteps,
  verify: verifySpeakers,
};

/** Rollout-restarts MetalLB's speaker DaemonSet: every node gets a new, ready speaker. */
export async function restartSpeakers(input: RunbookInput): Promise<RunbookResult> {
  return restartComponent(speakers, input);
}
