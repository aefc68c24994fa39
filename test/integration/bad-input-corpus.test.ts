// The bad-input corpus (bad-input-cases.ts): every case runs the compiled CLI, two at a time, and must end with exit 2
// and exactly one line on stderr (no stack trace) matching what the case says. Around each group the cluster's whole
// state is read once before and once after: every metallb.io object and every Service, by resourceVersion, must be
// unchanged, and no change run may have been started. The missing-CRD and missing-controller cases damage a second
// lab only, which is stopped afterwards (the next `lab up` restores its CRDs and Deployment).
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ApiextensionsV1Api, AppsV1Api, CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import type { Client, Connection } from '@temporalio/client';
import { labKubeConfig } from '../../lab/kube.js';
import { labDown, labUp } from '../../lab/lab.js';
import type { LabRecord } from '../../lab/record.js';
import { bin, ownCluster, root, type OwnCluster } from './cli-helpers.js';
import {
  clusterCases,
  controllerMissingCases,
  crdsMissingCases,
  fileCases,
  flagCases,
  temporalCases,
  type BadInput,
  type CaseTargets,
} from './bad-input-cases.js';
import {
  closedPort,
  createServedPool,
  deleteAllMetallbConfig,
  eventually,
  lab,
  removeNamespace,
  temporalClient,
  uniqueName,
} from './helpers.js';

const concurrency = 2;
let casesRun = 0;

interface Outcome {
  status: number | null;
  stdout: string;
  stderr: string;
}

function runCase(input: BadInput, env: NodeJS.ProcessEnv): Promise<Outcome> {
  const child = spawn(process.execPath, [bin, ...input.args], {
    cwd: root,
    env: { ...env, ...input.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const killer = setTimeout(() => child.kill('SIGKILL'), 90_000);
  return new Promise((resolve) =>
    child.on('close', (status) => {
      clearTimeout(killer);
      resolve({ status, stdout, stderr });
    }),
  );
}

/** What is wrong with an outcome, or null: exit 2 and one line, no stack, matching the case. */
function problemWith(input: BadInput, outcome: Outcome): string | null {
  const lines = outcome.stderr.split('\n').filter(Boolean);
  const shown = `exit ${outcome.status}, stderr ${JSON.stringify(outcome.stderr)}`;
  if (outcome.status !== 2) return `expected exit 2: ${shown}`;
  if (lines.length !== 1) return `expected one line on stderr: ${shown}`;
  const line = lines[0]!;
  if (/\n\s+at |^\s+at /.test(outcome.stderr)) return `a stack trace: ${shown}`;
  if (!line.startsWith('metallb-runbooks: ')) return `not a metallb-runbooks line: ${shown}`;
  const message = line.slice('metallb-runbooks: '.length);
  if (!input.says.test(message)) return `expected ${input.says}: ${shown}`;
  return null;
}

/** Runs the cases `concurrency` at a time; returns each case's problem (null when it behaved). */
async function runAll(cases: readonly BadInput[], env: NodeJS.ProcessEnv): Promise<(string | null)[]> {
  const problems: (string | null)[] = new Array<string | null>(cases.length).fill(null);
  let next = 0;
  const lane = async () => {
    for (let index = next++; index < cases.length; index = next++)
      problems[index] = problemWith(cases[index]!, await runCase(cases[index]!, env));
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  casesRun += cases.length;
  return problems;
}

/** Every metallb.io object (each CRD at its storage version, all namespaces) and Service, by resourceVersion. */
async function clusterState(kc: KubeConfig): Promise<Record<string, string>> {
  const state: Record<string, string> = {};
  const crds = (await kc.makeApiClient(ApiextensionsV1Api).listCustomResourceDefinition()).items.filter(
    (crd) => crd.spec.group === 'metallb.io',
  );
  const custom = kc.makeApiClient(CustomObjectsApi);
  for (const crd of crds) {
    const version = crd.spec.versions.find((candidate) => candidate.storage)!.name;
    const plural = crd.spec.names.plural;
    const list = (await custom.listClusterCustomObject({ group: 'metallb.io', version, plural })) as {
      items: { metadata: { namespace?: string; name: string; resourceVersion: string } }[];
    };
    for (const item of list.items)
      state[`${plural}/${item.metadata.namespace ?? ''}/${item.metadata.name}`] = item.metadata.resourceVersion;
  }
  for (const service of (await kc.makeApiClient(CoreV1Api).listServiceForAllNamespaces()).items)
    state[`services/${service.metadata!.namespace}/${service.metadata!.name}`] = service.metadata!.resourceVersion!;
  return state;
}

/** Change runs started since `since` (a bad input must start none). */
async function changeRunsSince(client: Client, since: Date): Promise<string[]> {
  const ids: string[] = [];
  const query = `WorkflowId STARTS_WITH "metallb-change." AND StartTime >= "${since.toISOString()}"`;
  for await (const run of client.workflow.list({ query })) ids.push(`${run.workflowId}/${run.runId}`);
  return ids;
}

/** Runs one group: state before, the cases, state after; prints how many ran and how long it took. */
async function runGroup(
  group: string,
  cases: readonly BadInput[],
  { kc, env, client }: { kc: KubeConfig; env: NodeJS.ProcessEnv; client: Client },
): Promise<void> {
  const startedAt = new Date(Date.now() - 1000);
  const before = await clusterState(kc);
  const problems = await runAll(cases, env);
  const after = await clusterState(kc);
  console.log(
    `[bad-input] ${group}: ${cases.length} cases in ${((Date.now() - startedAt.getTime()) / 1000).toFixed(1)}s`,
  );
  const failed = cases.flatMap((input, index) => (problems[index] ? [`${input.name}: ${problems[index]}`] : []));
  expect(failed).toEqual([]);
  expect(after).toEqual(before);
  expect(await changeRunsSince(client, startedAt)).toEqual([]);
}

function kubeconfigFile(dir: string, name: string, server: string, token: string): string {
  const target = path.join(dir, `${name}.kubeconfig`);
  writeFileSync(
    target,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': name,
      clusters: [{ name, cluster: { server, 'insecure-skip-tls-verify': true } }],
      users: [{ name: 'someone', user: { token } }],
      contexts: [{ name, context: { cluster: name, user: 'someone' } }],
    }),
  );
  return target;
}

async function caseTargets(scratch: string, unserved: OwnCluster): Promise<CaseTargets> {
  const alertmanagerPort = new URL(lab().alertmanagerUrl!).port;
  return {
    emptyDir: mkdtempSync(path.join(scratch, 'empty-')),
    unreachableKubeconfig: kubeconfigFile(scratch, 'gone', `https://127.0.0.1:${await closedPort()}`, 'x'),
    unknownTokenKubeconfig: kubeconfigFile(scratch, 'stranger', lab().apiServer, 'not-a-token-the-lab-knows'),
    plainHttpKubeconfig: kubeconfigFile(scratch, 'plain', `https://127.0.0.1:${alertmanagerPort}`, 'x'),
    closedTemporal: `127.0.0.1:${await closedPort()}`,
    unservedContext: unserved.context,
    unservedKubeconfigEnv: unserved.kubeconfigEnv,
  };
}

/** The CLI's environment on a lab: its kubeconfig, the test lab's Temporal, no colour. */
function labEnv(record: LabRecord): NodeJS.ProcessEnv {
  return {
    ...process.env,
    KUBECONFIG: record.kubeconfig,
    TEMPORAL_ADDRESS: lab().temporalAddress,
    TEMPORAL_NAMESPACE: lab().temporalNamespace,
    TEMPORAL_UI_URL: '',
    NO_COLOR: '1',
  };
}

describe('the bad-input corpus: one line, exit 2, nothing changed', () => {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'bad-input-'));
  const namespace = uniqueName('bad-input');
  let unserved: OwnCluster;
  let targets: CaseTargets;
  let client: Client;
  let connection: Connection;
  const fileStarted = Date.now();

  beforeAll(async () => {
    // Real objects for "nothing changed" to be about: a served pool and a Service holding an IP.
    await createServedPool({
      namespace,
      pool: 'bad-input-pool',
      addresses: ['192.0.2.0/28'],
      advertisement: 'bad-input-l2',
      services: ['web'],
    });
    unserved = ownCluster('bad-input-unserved');
    targets = await caseTargets(scratch, unserved);
    ({ client, connection } = await temporalClient());
  });

  afterAll(async () => {
    unserved?.remove();
    await connection?.close();
    await removeNamespace(namespace);
    await deleteAllMetallbConfig();
    console.log(`[bad-input] ${casesRun} cases ran in ${((Date.now() - fileStarted) / 1000).toFixed(1)}s`);
  });

  const onLab = () => ({ kc: labKubeConfig(lab().kubeconfig), env: labEnv(lab()), client });

  it('the command line: flags, arguments, durations', async () => {
    await runGroup('flags', flagCases, onLab());
  }, 300_000);

  it('files: missing, empty, malformed YAML and JSON, kinds, names', async () => {
    await runGroup('files', fileCases(targets), onLab());
  }, 300_000);

  it('the cluster: missing credentials, unreachable, unauthorized, forbidden, names that do not exist', async () => {
    await runGroup('cluster', clusterCases(targets), onLab());
  }, 300_000);

  it('Temporal: down, a namespace it lacks, no worker, runs that do not exist', async () => {
    await runGroup('temporal', temporalCases(targets), onLab());
  }, 300_000);

  it('a cluster without its MetalLB controller, then without the MetalLB CRDs (a second lab)', async () => {
    const name = process.env.METALLB_TEST_LAB2 ?? `${lab().name}2`;
    const second = await labUp({ name }, (line) => console.log(`[lab:${name}] ${line}`));
    const kc = labKubeConfig(second.kubeconfig);
    try {
      await kc.makeApiClient(AppsV1Api).deleteNamespacedDeployment({ name: 'controller', namespace: second.namespace });
      await eventually('the controller Deployment to be gone', async () =>
        (await kc.makeApiClient(AppsV1Api).listNamespacedDeployment({ namespace: second.namespace })).items.length
          ? undefined
          : true,
      );
      // The garbage collector removes the controller's ConfigurationState after it: wait, so the group's state
      // snapshots do not see that deletion as a change the CLI made.
      await eventually("the controller's ConfigurationState to be gone", async () => {
        const states = (await kc.makeApiClient(CustomObjectsApi).listNamespacedCustomObject({
          group: 'metallb.io',
          version: 'v1beta1',
          namespace: second.namespace,
          plural: 'configurationstates',
        })) as { items: { metadata: { name: string } }[] };
        return states.items.some((state) => state.metadata.name === 'controller') ? undefined : true;
      });
      await runGroup('controller missing', controllerMissingCases, { kc, env: labEnv(second), client });
      const extensions = kc.makeApiClient(ApiextensionsV1Api);
      const metallbCrds = async () =>
        (await extensions.listCustomResourceDefinition()).items.filter((crd) => crd.spec.group === 'metallb.io');
      for (const crd of await metallbCrds())
        await extensions.deleteCustomResourceDefinition({ name: crd.metadata!.name! });
      await eventually(
        'every metallb.io CRD to be gone',
        async () => ((await metallbCrds()).length ? undefined : true),
        {
          timeoutMs: 60_000,
        },
      );
      await runGroup('CRDs missing', crdsMissingCases, { kc, env: labEnv(second), client });
    } finally {
      // `lab up` puts the CRDs and the Deployment back; stopped here so the next use starts a fresh controller.
      await labUp({ name }, () => undefined);
      await labDown({ name }, () => undefined);
    }
  }, 300_000);
});
