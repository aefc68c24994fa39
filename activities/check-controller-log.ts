import {
  controllerAllocationCauses,
  controllerConfigErrorCauses,
  judgeComponentLog,
} from '../domain/runbooks/log-check.js';
import type { KubeApis } from '../kube/apis.js';
import { runbookFailure } from '../kube/call.js';
import { readPodLog } from './component-logs.js';
import { pollUntil } from './poll.js';

/** What checkControllerLog reads. */
export interface ControllerLogCheck {
  namespace: string;
  /** The controller pods the rollout produced. */
  pods: string[];
  deadline: string;
}

/** One new controller pod, checked. */
export interface LogCheckResult {
  pod: string;
  lines: number;
  /** Allocation errors logged since the start (Services the controller cannot serve): reported, not failed on. */
  allocationErrors?: string[];
}

async function checkPod(kube: KubeApis, namespace: string, pod: string, deadline: string): Promise<LogCheckResult> {
  const what = `the new controller ${pod} to load its configuration (a "config reloaded" log line)`;
  const text = await pollUntil({ what, deadline, intervalMs: 1000 }, async () => {
    const read = await readPodLog(kube, namespace, pod, 'controller').catch((e: Error) => ({ error: e.message }));
    if (typeof read !== 'string') return { done: false, seen: read.error };
    const verdict = judgeComponentLog(read, 'controller', controllerConfigErrorCauses);
    return verdict.configProcessed
      ? { done: true, value: read }
      : { done: false, seen: `${verdict.lines} log lines, no "config reloaded" yet` };
  });
  const config = judgeComponentLog(text, 'controller', controllerConfigErrorCauses);
  if (config.errors.length > 0) {
    throw runbookFailure(
      'VerificationFailed',
      `controller ${pod} rejected its configuration since the restart (${config.errors.length} error(s)), ` +
        `first: ${config.errors[0]}`,
    );
  }
  const allocation = judgeComponentLog(text, 'controller', controllerAllocationCauses);
  return { pod, lines: config.lines, allocationErrors: allocation.errors };
}

/** Waits until each new controller has loaded its config; fails on a configuration error, reports allocation errors. */
export async function checkControllerLog(kube: KubeApis, check: ControllerLogCheck): Promise<LogCheckResult[]> {
  const results: LogCheckResult[] = [];
  for (const pod of check.pods) results.push(await checkPod(kube, check.namespace, pod, check.deadline));
  return results;
}
