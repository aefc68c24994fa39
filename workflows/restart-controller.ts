import type { RunbookInput, RunbookResult } from '../domain/runbooks/types.js';
import { waits } from './activity-options.js';
import { deadlineIn } from './progress-tracker.js';
import { restartComponent, restartSteps, type Component } from './restart-component.js';

const steps = restartSteps('controller', 'Verify the new controller loaded its configuration without errors');

const controller: Component = {
  runbook: 'restart-controller',
  kind: 'Deployment',
  steps,
  async verify(t, namespace, pods, limits) {
    const waitingFor = `${pods.join(', ')} to log "config reloaded", with no config or allocation error since the restart`;
    const checked = await t.step(
      steps.verify,
      waitingFor,
      () => waits.checkControllerLog({ namespace, pods, deadline: deadlineIn(limits.logsSeconds) }),
      (r) => r.map((p) => `${p.pod}: config loaded, ${p.lines} log lines, no config or allocation error`).join('; '),
    );
    return checked.map((p) => `${p.pod} loaded its configuration with no config or allocation error`).join('; ');
  },
};

/** Rollout-restarts MetalLB's controller Deployment and verifies it reloaded a clean configuration. */
export async function restartController(input: RunbookInput): Promise<RunbookResult> {
  return restartComponent(controller, input);
}
