import { Context } from '@temporalio/activity';
import type { KubeConfig } from '@kubernetes/client-node';
import {
  controllerConfigErrorCauses,
  judgeComponentLog,
  judgeSpeakerLog,
  linesSince,
  speakerStateProblems,
} from '../domain/runbooks/log-check.js';
import type { KubeApis } from '../kube/apis.js';
import { listPods } from '../kube/workload-pods.js';
import { speakerStates } from './check-speakers.js';
import { readPodLog } from './component-logs.js';
import { liveSnapshot, watchedFindings } from './plan-live-change.js';
import { controllerPods } from './wait-for-change-processed.js';

/** What checkChangeHealth looks at after a step. */
export interface ChangeHealthCheck {
  namespace: string;
  /** Log lines from this time on count (ISO: when the step's first write returned, or a restart finished). */
  since: string;
  /** Findings the cluster had before the change: only new ones count. */
  baseline: string[];
  /** Until when a new finding may still clear (the controller writes pool status after a reload). */
  deadline: string;
  /** Pools the plan creates or deletes: an advertisement naming one of them is expected mid-swap. */
  poolsInTransit?: string[];
}

/** What is wrong after a step; all empty when the step is healthy. */
export interface ChangeHealth {
  /** Configuration errors the controller logged since the step. */
  controllerErrors: string[];
  /** Speakers reporting a rejected configuration (ConfigurationState Invalid, log) since the step. */
  speakerProblems: string[];
  /** New diagnosis findings (advertisements, config not loaded, orphaned IPs, unmet requests). */
  newFindings: string[];
}

async function controllerErrors(kube: KubeApis, check: ChangeHealthCheck): Promise<string[]> {
  const errors: string[] = [];
  for (const pod of await controllerPods(kube, check.namespace)) {
    const text = await readPodLog(kube, check.namespace, pod.name, 'controller').catch(() => '');
    const verdict = judgeComponentLog(linesSince(text, check.since), 'controller', controllerConfigErrorCauses);
    errors.push(...verdict.errors.map((error) => `${pod.name}: ${error}`));
  }
  return errors;
}

const speakerSelectors = [
  'app=metallb,component=speaker',
  'app.kubernetes.io/name=metallb,app.kubernetes.io/component=speaker',
];

async function speakerProblems(kube: KubeApis, check: ChangeHealthCheck): Promise<string[]> {
  const pods = (await Promise.all(speakerSelectors.map((selector) => listPods(kube, check.namespace, selector))))
    .flat()
    .filter((pod) => !pod.terminating);
  const names = pods.map((pod) => pod.name);
  const states = speakerStateProblems(await speakerStates(kube, check.namespace), names).filter(
    (problem) => !problem.includes('still belongs to replaced pod'),
  );
  const logs: string[] = [];
  for (const pod of names) {
    // A speaker whose log cannot be read is not reported here: the restart-speakers runbook waits for that.
    const text = await readPodLog(kube, check.namespace, pod, 'speaker').catch(() => '');
    logs.push(...judgeSpeakerLog(linesSince(text, check.since)).errors.map((error) => `${pod}: ${error}`));
  }
  return [...states, ...logs];
}

/** Polls the diagnosis until no finding is new, or the deadline; returns the new ones left. */
async function newFindings(kc: KubeConfig, check: ChangeHealthCheck): Promise<string[]> {
  const baseline = new Set(check.baseline);
  for (;;) {
    const fresh = watchedFindings(await liveSnapshot(kc, check.namespace), check.poolsInTransit).filter(
      (line) => !baseline.has(line),
    );
    if (fresh.length === 0 || Date.now() >= Date.parse(check.deadline)) return fresh;
    Context.current().heartbeat({ waitingFor: 'new diagnosis findings to clear', seen: fresh.join('; ') });
    await Context.current().sleep(1000);
  }
}

/**
 * After a step: the controller's configuration errors and the speakers' rejections logged since,
 * and diagnosis findings the cluster did not have before. Reports; the workflow decides (restart
 * a component, or roll back).
 */
export async function checkChangeHealth(
  kc: KubeConfig,
  kube: KubeApis,
  check: ChangeHealthCheck,
): Promise<ChangeHealth> {
  const findings = await newFindings(kc, check);
  return {
    controllerErrors: await controllerErrors(kube, check),
    speakerProblems: await speakerProblems(kube, check),
    newFindings: findings,
  };
}
