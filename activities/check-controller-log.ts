import { controllerErrorCauses, judgeComponentLog } from '../domain/runbooks/log-check.js';
import type { KubeApis } from '../kube/apis.js';
import { runbookFailure } from '../kube/call.js';
import { readPodLog } from './component-logs.js';
import { pollUntil } from './poll.js';

export interface ControllerLogCheck {
  namespace: string;
  /** The controller pods the rollout produced. */
  pods: string[];
  deadline: string;
}

export interface LogCheckResult {
  pod: string;
  lines: number;
}

async function checkPod(kube: KubeApis, namespace: string, pod: string, deadline: string): Promise<LogCheckResult> {
  const what = `the new controller ${pod} to load its configuration (a "config reloaded" log line)`;
  const verdict = await pollUntil({ what, deadline, intervalMs: 1000 }, async () => {
    const text = await readPodLog(kube, namespace, pod, 'controller').catch((e: Error) => ({ error: e.message }));
    if (typeof text !== 'string') return { done: false, seen: text.error };
    const v = judgeComponentLog(text, 'controller', controllerErrorCauses);
    return v.configProcessed
      ? { done: true, value: v }
      : { done: false, seen: `${v.lines} log lines, no "config reloaded" yet` };
  });
  if (verdict.errors.length > 0) {
    throw runbookFailure(
      'VerificationFailed',
      `controller ${pod} logged ${verdict.errors.length} configuration/allocation error(s) since the restart, first: ${verdict.errors[0]}`,
    );
  }
  return { pod, lines: verdict.lines };
}

/** Waits until each new controller has loaded its config, then requires a log free of config and allocation errors. */
export async function checkControllerLog(kube: KubeApis, c: ControllerLogCheck): Promise<LogCheckResult[]> {
  const results: LogCheckResult[] = [];
  for (const pod of c.pods) results.push(await checkPod(kube, c.namespace, pod, c.deadline));
  return results;
}
