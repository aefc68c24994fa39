import { Context } from '@temporalio/activity';
import { specContains } from '../domain/runbooks/apply.js';
import { entryRef, type BackupEntry } from '../domain/runbooks/backup.js';
import { controllerConfigErrorCauses, judgeComponentLog, linesSince } from '../domain/runbooks/log-check.js';
import { objectParams, type KubeApis } from '../kube/apis.js';
import { kubeCall, orNullIfNotFound } from '../kube/call.js';
import { listPods } from '../kube/workload-pods.js';
import type { PodFacts } from '../domain/runbooks/rollout-check.js';
import { readPodLog } from './component-logs.js';
import { pollUntil, type Observation } from './poll.js';

/** One object a step wrote, and whether it should now exist (false: deleted). */
export interface WrittenObject {
  entry: BackupEntry;
  present: boolean;
  /** False when the write found the object already as desired (nothing for the controller to do). */
  changed: boolean;
}

/** What waitForChangeProcessed waits for after a write (or two written back to back). */
export interface ChangeProcessedWait {
  namespace: string;
  /** When the first write of the group returned. */
  writtenAt: string;
  written: WrittenObject[];
  /** True when a written kind is one the controller reconciles (pools, communities). */
  controllerReads: boolean;
  deadline: string;
}

const controllerSelectors = [
  'app=metallb,component=controller',
  'app.kubernetes.io/name=metallb,app.kubernetes.io/component=controller',
];

/** The controller pods running now (both label conventions). */
export async function controllerPods(kube: KubeApis, namespace: string): Promise<PodFacts[]> {
  const lists = await Promise.all(controllerSelectors.map((selector) => listPods(kube, namespace, selector)));
  return lists.flat().filter((pod) => !pod.terminating);
}

async function notAsWritten(kube: KubeApis, object: WrittenObject): Promise<string | null> {
  const ref = entryRef(object.entry);
  const live = (await orNullIfNotFound(
    kubeCall(`read ${ref}`, () => kube.custom.getNamespacedCustomObject(objectParams(object.entry))),
  )) as { spec?: unknown } | null;
  if (!object.present) return live ? `${ref} still present` : null;
  if (!live) return `${ref} not visible yet`;
  return specContains(live.spec, object.entry.manifest.spec) ? null : `${ref} does not show the written spec yet`;
}

/** The first controller pod that logged "config reloaded" (or a parse error) since the write. */
async function processedSince(kube: KubeApis, wait: ChangeProcessedWait): Promise<string | null> {
  for (const pod of await controllerPods(kube, wait.namespace)) {
    const text = await readPodLog(kube, wait.namespace, pod.name, 'controller').catch(() => '');
    const verdict = judgeComponentLog(linesSince(text, wait.writtenAt), 'controller', controllerConfigErrorCauses);
    if (verdict.configProcessed)
      return verdict.errors.length
        ? `controller ${pod.name} processed the change and logged ${verdict.errors.length} configuration error(s)`
        : `controller ${pod.name} logged "config reloaded" after the write`;
  }
  return null;
}

async function observe(kube: KubeApis, wait: ChangeProcessedWait): Promise<Observation<string>> {
  const pending = (await Promise.all(wait.written.map((object) => notAsWritten(kube, object)))).filter(
    (line): line is string => line !== null,
  );
  if (pending.length > 0) return { done: false, seen: pending.join('; ') };
  if (!wait.controllerReads)
    return { done: true, value: 'written objects visible (the controller reads none of these kinds)' };
  const evidence = await processedSince(kube, wait);
  return evidence
    ? { done: true, value: evidence }
    : { done: false, seen: `no "config reloaded" after ${wait.writtenAt}` };
}

/** Waits until the written objects read back as written and the controller has processed them. */
export async function waitForChangeProcessed(kube: KubeApis, wait: ChangeProcessedWait): Promise<{ evidence: string }> {
  const what = 'the controller to process the write (objects as written, a "config reloaded" log line after it)';
  Context.current().heartbeat(what);
  return { evidence: await pollUntil({ what, deadline: wait.deadline, intervalMs: 250 }, () => observe(kube, wait)) };
}
