import type { TestProject } from 'vitest/node';
import { AdmissionregistrationV1Api, CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { Client, Connection } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { labKubeConfig } from '../../lab/kube.js';
import { ensureBuilt } from '../../lab/build.js';
import { labDown, labStatus, labUp } from '../../lab/lab.js';
import { readControllerState, type LabRecord } from '../../lab/record.js';
import { configPlurals, eventually, isGone } from './helpers.js';

declare module 'vitest' {
  export interface ProvidedContext {
    lab: LabRecord;
  }
}

type Log = (line: string) => void;

/** Namespaces the lab itself makes; every other namespace on a test lab was made by a test. */
const labNamespaces = (record: LabRecord) =>
  new Set(['default', 'kube-system', 'kube-public', 'kube-node-lease', record.namespace]);

const ignoreGone = (error: unknown): void => {
  if (!isGone(error)) throw error;
};

/** A change run a test left open holds the cluster's lock (`metallb-change.<cluster>`): end it. */
export async function terminateHeldChanges(record: LabRecord, log: Log): Promise<void> {
  const connection = await Connection.connect({ address: record.temporalAddress });
  try {
    const client = new Client({ connection, namespace: record.temporalNamespace });
    for await (const run of client.workflow.list({ query: 'ExecutionStatus = "Running"' })) {
      if (!run.workflowId.startsWith('metallb-change.')) continue;
      log(`terminating ${run.workflowId} (${run.runId}) left running by an earlier test run`);
      await client.workflow
        .getHandle(run.workflowId, run.runId)
        .terminate('left running by an aborted test run')
        .catch((error: unknown) => {
          // Closed between the list and the terminate: nothing left to do.
          if (!(error instanceof WorkflowNotFoundError)) throw error;
        });
    }
  } finally {
    await connection.close();
  }
}

/** A watch a test left (its afterAll did not run) would keep starting drift runs on the lab: delete it. */
async function deleteLeftoverWatches(record: LabRecord, log: Log): Promise<void> {
  const connection = await Connection.connect({ address: record.temporalAddress });
  try {
    const client = new Client({ connection, namespace: record.temporalNamespace });
    for await (const schedule of client.schedule.list()) {
      if (!schedule.scheduleId.startsWith('metallb-watch.')) continue;
      log(`deleting schedule ${schedule.scheduleId} left by an earlier test run`);
      await client.schedule
        .getHandle(schedule.scheduleId)
        .delete()
        .catch(() => undefined);
    }
  } finally {
    await connection.close();
  }
}

/** Admission policies exist on the lab only when a test made them (and did not get to delete them). */
async function deleteAdmissionPolicies(kc: KubeConfig, log: Log): Promise<void> {
  const admission = kc.makeApiClient(AdmissionregistrationV1Api);
  for (const binding of (await admission.listValidatingAdmissionPolicyBinding()).items) {
    log(`deleting ValidatingAdmissionPolicyBinding ${binding.metadata!.name}`);
    await admission.deleteValidatingAdmissionPolicyBinding({ name: binding.metadata!.name! }).catch(ignoreGone);
  }
  for (const policy of (await admission.listValidatingAdmissionPolicy()).items) {
    log(`deleting ValidatingAdmissionPolicy ${policy.metadata!.name}`);
    await admission.deleteValidatingAdmissionPolicy({ name: policy.metadata!.name! }).catch(ignoreGone);
  }
}

/** Deletes every namespace a test made and waits until each reads 404. */
async function deleteTestNamespaces(kc: KubeConfig, record: LabRecord, log: Log): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  const keep = labNamespaces(record);
  const leftover = async () =>
    (await core.listNamespace()).items.map((n) => n.metadata!.name!).filter((name) => !keep.has(name));
  for (const name of await leftover()) {
    log(`deleting namespace ${name}`);
    await core.deleteNamespace({ name }).catch(ignoreGone);
  }
  await eventually('leftover test namespaces to be gone', async () => ((await leftover()).length ? undefined : true), {
    timeoutMs: 180_000,
    intervalMs: 500,
  });
}

/** Deletes every MetalLB config object (advertisements first) and waits until none is listed. */
async function deleteMetallbConfig(kc: KubeConfig, record: LabRecord, log: Log): Promise<void> {
  const custom = kc.makeApiClient(CustomObjectsApi);
  const namespace = record.namespace;
  const list = async (plural: string, version: string) =>
    (
      (await custom.listNamespacedCustomObject({ group: 'metallb.io', version, namespace, plural })) as {
        items: { metadata: { name: string } }[];
      }
    ).items.map((item) => item.metadata.name);
  for (const [plural, version] of configPlurals) {
    for (const name of await list(plural, version)) {
      log(`deleting ${plural}/${name}`);
      await custom
        .deleteNamespacedCustomObject({ group: 'metallb.io', version, namespace, plural, name })
        .catch(ignoreGone);
    }
  }
  await eventually('leftover MetalLB config to be gone', async () => {
    const counts = await Promise.all(
      configPlurals.map(async ([plural, version]) => (await list(plural, version)).length),
    );
    return counts.every((count) => count === 0) ? true : undefined;
  });
}

/** A test that stopped the controller (SIGSTOP) and was killed before its `finally` left it stopped. */
function continueController(record: LabRecord, log: Log): void {
  const pid = readControllerState(record.stateDir)?.pid;
  if (!pid) return;
  try {
    process.kill(pid, 'SIGCONT');
  } catch {
    log(`controller pid ${pid} is not running; the lab's supervisor restarts it`);
  }
}

/**
 * Clears what an aborted run may have left on a lab that is reused (METALLB_LAB_KEEP=1): a held
 * change run, admission policies, test namespaces, MetalLB config objects, a stopped controller.
 * The controller goes first so that it can process the deletions.
 */
export async function clearLeftovers(record: LabRecord, log: Log): Promise<void> {
  continueController(record, log);
  const kc = labKubeConfig(record.kubeconfig);
  await terminateHeldChanges(record, log);
  await deleteLeftoverWatches(record, log);
  await deleteAdmissionPolicies(kc, log);
  await deleteTestNamespaces(kc, record, log);
  await deleteMetallbConfig(kc, record, log);
}

/**
 * promtool (watch-metrics.test.ts) builds from the Prometheus module for ~13 minutes on a cold machine: started here,
 * it builds while the first files run (a test that needs it first waits for this build instead of starting another).
 */
async function buildPromtoolMeanwhile(log: (line: string) => void): Promise<void> {
  try {
    await ensureBuilt(['promtool'], log);
  } catch (error) {
    // The test that needs promtool builds it again and fails with the reason; the other files do not depend on it.
    log(`background build of promtool failed: ${(error as Error).message}`);
  }
}

/**
 * Starts the test lab once for the whole run (building its binaries on a cold machine) and hands
 * its addresses to every test through `inject('lab')`. A lab that is not running starts from a
 * clean state so a previous run's objects cannot leak in; a running lab (METALLB_LAB_KEEP=1
 * leaves it up) is cleared of a previous run's leftovers first.
 */
export default async function setup(project: TestProject) {
  // METALLB_TEST_LAB lets two test runs (e.g. two developers' branches) use separate labs.
  const name = process.env.METALLB_TEST_LAB ?? 'test';
  const log = (line: string) => console.log(`[lab:${name}] ${line}`);
  const wasRunning = labStatus({ name }).processes.every((p) => p.running);
  if (!wasRunning) await labDown({ name, wipe: true }, () => undefined);
  const record = await labUp({ name }, log);
  if (wasRunning) await clearLeftovers(record, log);
  project.provide('lab', record);
  const promtool = buildPromtoolMeanwhile(log);
  return async () => {
    await promtool;
    if (process.env.METALLB_LAB_KEEP !== '1') await labDown({ name }, () => undefined);
  };
}
