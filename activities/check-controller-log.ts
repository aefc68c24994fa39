import { Context } from '@temporalio/activity';
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
  /**
   * Services pending before the run. After loading its config the new controller tries each of them
   * once (an "IP allocation failed" or "IP address assigned" line); the check waits for that many
   * outcomes, for at most {@link pendingGraceMs}, so their errors are in the report.
   */
  pendingServices?: number;
}

/** How long to wait, after "config reloaded", for the pending Services' allocation outcomes. */
export const pendingGraceMs = 10_000;

/** One new controller pod, checked. */
export interface LogCheckResult {
  pod: string;
  lines: number;
  /** Allocation errors logged since the start (Services the controller cannot serve): reported, not failed on. */
  allocationErrors?: string[];
}

interface PodCheck {
  kube: KubeApis;
  namespace: string;
  pod: string;
  deadline: string;
}

const readLog = ({ kube, namespace, pod }: PodCheck) =>
  readPodLog(kube, namespace, pod, 'controller').catch((e: Error) => ({ error: e.message }));

/** The log once the controller has logged `expected` allocation outcomes, or as it is at the (soft) deadline. */
async function awaitAllocationOutcomes(check: PodCheck, text: string, expected: number): Promise<string> {
  const graceEnd = Math.min(Date.now() + pendingGraceMs, Date.parse(check.deadline));
  let latest = text;
  while (judgeComponentLog(latest, 'controller', []).allocationResults < expected && Date.now() < graceEnd) {
    await Context.current().sleep(250);
    const read = await readLog(check);
    if (typeof read === 'string') latest = read;
  }
  return latest;
}

async function checkPod(check: PodCheck, pendingServices: number): Promise<LogCheckResult> {
  const { pod } = check;
  const what = `the new controller ${pod} to load its configuration (a "config reloaded" log line)`;
  const loaded = await pollUntil({ what, deadline: check.deadline, intervalMs: 1000 }, async () => {
    const read = await readLog(check);
    if (typeof read !== 'string') return { done: false, seen: read.error };
    const verdict = judgeComponentLog(read, 'controller', controllerConfigErrorCauses);
    return verdict.configProcessed
      ? { done: true, value: read }
      : { done: false, seen: `${verdict.lines} log lines, no "config reloaded" yet` };
  });
  const text = await awaitAllocationOutcomes(check, loaded, pendingServices);
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
  for (const pod of check.pods) {
    const podCheck = { kube, namespace: check.namespace, pod, deadline: check.deadline };
    results.push(await checkPod(podCheck, check.pendingServices ?? 0));
  }
  return results;
}
