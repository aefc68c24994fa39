import type { RunbookInput, RunbookResult } from '../domain/runbooks/types.js';
import { waits } from './activity-options.js';
import { deadlineIn } from './progress-tracker.js';
import { restartComponent, restartSteps, type Component } from './restart-component.js';

const steps = restartSteps('speakers', 'Verify no new speaker reports a rejected configuration');

const speakers: Component = {
  runbook: 'restart-speakers',
  kind: 'DaemonSet',
  steps,
  async verify(t, namespace, pods, limits) {
    const waitingFor =
      'no speaker ConfigurationState Invalid or left from a replaced pod, and no rejected configuration in the speaker logs';
    const r = await t.step(
      steps.verify,
      waitingFor,
      () => waits.checkSpeakers({ namespace, pods, deadline: deadlineIn(limits.logsSeconds) }),
      (c) => `${c.statesChecked} speaker ConfigurationState(s), ${c.logLines} log lines: no rejected configuration`,
    );
    return `${pods.length} new speaker(s): no rejected configuration (${r.statesChecked} ConfigurationState(s) checked)`;
  },
};

/** Rollout-restarts MetalLB's speaker DaemonSet: every node gets a new, ready speaker. */
export async function restartSpeakers(input: RunbookInput): Promise<RunbookResult> {
  return restartComponent(speakers, input);
}
