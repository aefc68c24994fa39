// Two lab clusters served by one Temporal server (the first lab's; the second lab's own Temporal is left unused), one
// worker per cluster holding only that cluster's ServiceAccount token: a change on one never waits for the other;
// diagnose, history and watch address each by its context; and no worker ever reaches the other cluster, as both API
// servers' audit logs, the workers' kubeconfigs and their open sockets show.
import { readdirSync, readFileSync, readlinkSync, writeFileSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { CoreV1Api, RbacAuthorizationV1Api, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import type { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { labKubeConfig, applyObjects } from '../../lab/kube.js';
import { labDown, labUp } from '../../lab/lab.js';
import type { LabRecord } from '../../lab/record.js';
import { parseAuditLog } from '../../domain/rbac/coverage.js';
import { changeWorkflowId, taskQueueFor } from '../../domain/runbooks/names.js';
import { watchScheduleId } from '../../domain/watch/names.js';
import { clearLeftovers } from './global-setup.js';
import { runCliAsync } from './cli-helpers.js';
import { holdSpeakerVerification, releaseSpeakerVerification, waitForStep } from './fix-helpers.js';
import {
  createServedPool,
  deleteAllMetallbConfig,
  eventually,
  lab,
  removeNamespace,
  temporalClient,
  uniqueName,
} from './helpers.js';
import { serviceAccountIdentity, startWorkerCommand, type ChildWorker, type Identity } from './least-privilege.js';

/** The second lab: `<test lab>2` (fleet → fleet2), or METALLB_TEST_LAB2. */
const secondLabName = () => process.env.METALLB_TEST_LAB2 ?? `${lab().name}2`;

/** One cluster of the fleet: its lab, the admin kubeconfig the CLI uses, and the worker with its own token only. */
interface Member {
  letter: 'a' | 'b';
  record: LabRecord;
  kc: KubeConfig;
  /** The cluster's name: the context both kubeconfigs give it (task queue, change id). */
  context: string;
  adminKubeconfig: string;
  identity: Identity;
  worker: ChildWorker;
}

const scratch = mkdtempSync(path.join(os.tmpdir(), 'fleet-'));

/** The lab's admin credentials under the member's own context name, in a file of its own. */
function adminKubeconfig(record: LabRecord, context: string): string {
  const config = parse(readFileSync(record.kubeconfig, 'utf8')) as {
    clusters: unknown[];
    users: { name: string }[];
  };
  const file = path.join(scratch, `${context}.admin.kubeconfig`);
  const users = config.users.filter((user) => user.name === 'lab-admin');
  const contexts = [{ name: context, context: { cluster: 'metallb-lab', user: 'lab-admin' } }];
  writeFileSync(file, stringify({ ...config, users, contexts, 'current-context': context }), { mode: 0o600 });
  return file;
}

/** The ServiceAccount the member's worker runs as, bound to cluster-admin on its own cluster only. */
async function workerServiceAccount(kc: KubeConfig, name: string): Promise<void> {
  await applyObjects(kc, [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: 'default' } },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ kind: 'ServiceAccount', name, namespace: 'default' }],
    } as KubernetesObject,
  ]);
}

async function join(letter: Member['letter'], record: LabRecord): Promise<Member> {
  const kc = labKubeConfig(record.kubeconfig);
  const context = uniqueName(`fleet-${letter}`);
  const account = `fleet-worker-${letter}`;
  await workerServiceAccount(kc, account);
  const identity = await serviceAccountIdentity('default', account, context, { kc, apiServer: record.apiServer });
  const { KUBECONFIG: _unused, ...env } = process.env;
  // The worker knows only its own kubeconfig (no $KUBECONFIG) and the one Temporal server, the first lab's.
  const worker = await startWorkerCommand(
    ['metallb-runbooks', 'worker', '--kubeconfig', identity.kubeconfig, '--context', context],
    { ...env, TEMPORAL_ADDRESS: lab().temporalAddress, TEMPORAL_NAMESPACE: lab().temporalNamespace },
  );
  return { letter, record, kc, context, adminKubeconfig: adminKubeconfig(record, context), identity, worker };
}

/** The CLI against one member: its admin kubeconfig (and `--context`, for commands that take one), one Temporal. */
function cli(member: Member, args: string[], { context = true } = {}) {
  const env = {
    ...process.env,
    KUBECONFIG: member.adminKubeconfig,
    TEMPORAL_ADDRESS: lab().temporalAddress,
    TEMPORAL_NAMESPACE: lab().temporalNamespace,
    TEMPORAL_UI_URL: '',
    NO_COLOR: '1',
  };
  return runCliAsync([...args, ...(context ? ['--context', member.context] : [])], env);
}

/** A served pool and one Service holding an IP from it, on lab B (helpers.ts writes to the test lab only). */
async function servePoolOnB(member: Member, namespace: string): Promise<void> {
  const ns = member.record.namespace;
  await applyObjects(member.kc, [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
    {
      apiVersion: 'metallb.io/v1beta1',
      kind: 'IPAddressPool',
      metadata: { name: 'fleet-b-pool', namespace: ns },
      spec: { addresses: ['198.51.100.0/28'] },
    } as KubernetesObject,
    {
      apiVersion: 'metallb.io/v1beta1',
      kind: 'L2Advertisement',
      metadata: { name: 'fleet-b-l2', namespace: ns },
      spec: { ipAddressPools: ['fleet-b-pool'] },
    } as KubernetesObject,
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace },
      spec: { type: 'LoadBalancer', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
    } as KubernetesObject,
  ]);
  const core = member.kc.makeApiClient(CoreV1Api);
  await eventually(
    'an IP on lab B',
    async () => {
      const service = await core.readNamespacedService({ namespace, name: 'web' });
      return service.status?.loadBalancer?.ingress?.length ? true : undefined;
    },
    { timeoutMs: 60_000 },
  );
}

const { EventType } = temporal.api.enums.v1;

/** The worker identities that took a run's workflow and activity tasks, from its history. */
async function workerIdentities(client: Client, workflowId: string, runId: string): Promise<string[]> {
  const { events } = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  const identities = (events ?? []).flatMap((event) => {
    if (event.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED)
      return [event.activityTaskStartedEventAttributes?.identity ?? ''];
    if (event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED)
      return [event.workflowTaskStartedEventAttributes?.identity ?? ''];
    return [];
  });
  return [...new Set(identities)];
}

/** Remote TCP ports of a process's open sockets (/proc/<pid>/fd → socket inodes → /proc/<pid>/net/tcp{,6}). */
function remotePorts(pid: number): number[] {
  const inodes = new Set(
    readdirSync(`/proc/${pid}/fd`).flatMap((fd) => {
      try {
        return [/^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1] ?? ''];
      } catch {
        return []; // closed while we looked
      }
    }),
  );
  return ['tcp', 'tcp6'].flatMap((table) =>
    readFileSync(`/proc/${pid}/net/${table}`, 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(/\s+/))
      .filter((fields) => inodes.has(fields[9]!))
      .map((fields) => parseInt(fields[2]!.split(':')[1]!, 16)),
  );
}

const portOf = (url: string) => Number(new URL(url).port);

describe('two clusters on one Temporal server, one worker each', () => {
  let a: Member;
  let b: Member;
  let client: Client;
  let connection: Connection;
  const auditMarks = new Map<string, number>();
  const namespace = uniqueName('fleet');
  const runs: Record<Member['letter'], string[]> = { a: [], b: [] };

  beforeAll(async () => {
    const started = Date.now();
    const name = secondLabName();
    const second = await labUp({ name }, (line) => console.log(`[lab:${name}] ${line}`));
    await clearLeftovers(second, (line) => console.log(`[lab:${name}] ${line}`));
    console.log(`[fleet] second lab ${name} up in ${((Date.now() - started) / 1000).toFixed(1)}s`);
    for (const record of [lab(), second]) auditMarks.set(record.name, readFileSync(record.auditLog!).length);
    await createServedPool({
      namespace,
      pool: 'fleet-a-pool',
      addresses: ['192.0.2.0/28'],
      advertisement: 'fleet-a-l2',
      services: ['web'],
    });
    a = await join('a', lab());
    b = await join('b', second);
    await servePoolOnB(b, namespace);
    ({ client, connection } = await temporalClient());
  });

  afterAll(async () => {
    await releaseSpeakerVerification();
    for (const member of [a, b]) {
      if (!member) continue;
      await client?.schedule
        .getHandle(watchScheduleId(member.context))
        .delete()
        .catch(() => undefined);
      await member.worker.stop();
      const rbac = member.kc.makeApiClient(RbacAuthorizationV1Api);
      await rbac.deleteClusterRoleBinding({ name: `fleet-worker-${member.letter}` }).catch(() => undefined);
    }
    await connection?.close();
    await removeNamespace(namespace);
    await deleteAllMetallbConfig();
    if (b) {
      await b.kc
        .makeApiClient(CoreV1Api)
        .deleteNamespace({ name: namespace })
        .catch(() => undefined);
      await clearLeftovers(b.record, () => undefined);
      if (process.env.METALLB_LAB_KEEP !== '1') await labDown({ name: b.record.name }, () => undefined);
    }
  });

  it('a change on A that is held does not keep a change on B from starting and finishing', async () => {
    await holdSpeakerVerification();
    const onA = cli(a, ['fix', 'restart-speakers', '--requested-by', 'fleet-a']);
    const handleA = client.workflow.getHandle(changeWorkflowId(a.context));
    await eventually('the run on A to start', () => handleA.describe(), { timeoutMs: 60_000 });
    await waitForStep(handleA, 'verify-logs', 'running', 120_000);

    const onB = await cli(b, ['fix', 'restart-controller', '--requested-by', 'fleet-b']);
    expect(onB.stderrLines).toEqual([]);
    expect(onB.status).toBe(0);
    const runA = await handleA.describe();
    const runB = await client.workflow.getHandle(changeWorkflowId(b.context)).describe();
    expect(runA.status.name).toBe('RUNNING');
    expect(runB.status.name).toBe('COMPLETED');
    expect(runB.startTime.getTime()).toBeGreaterThan(runA.startTime.getTime());

    await releaseSpeakerVerification();
    const doneA = await onA;
    expect(doneA.stderrLines).toEqual([]);
    expect(doneA.status).toBe(0);
    const closedA = await client.workflow.getHandle(changeWorkflowId(a.context), runA.runId).describe();
    expect(closedA.closeTime!.getTime()).toBeGreaterThan(runB.closeTime!.getTime());
    console.log(
      `[fleet] A restart-speakers ${runA.startTime.toISOString()} .. ${closedA.closeTime!.toISOString()}; ` +
        `B restart-controller ${runB.startTime.toISOString()} .. ${runB.closeTime!.toISOString()} (inside A's run)`,
    );
    runs.a.push(runA.runId);
    runs.b.push(runB.runId);
    // Each run was carried by its own cluster's worker only.
    expect(await workerIdentities(client, changeWorkflowId(a.context), runA.runId)).toEqual([
      `metallb-runbooks@${a.context}/${a.worker.process.pid}`,
    ]);
    expect(await workerIdentities(client, changeWorkflowId(b.context), runB.runId)).toEqual([
      `metallb-runbooks@${b.context}/${b.worker.process.pid}`,
    ]);
  }, 300_000);

  it('diagnose, history and watch cover each cluster by its context', async () => {
    for (const [member, other] of [
      [a, b],
      [b, a],
    ] as const) {
      const diagnosis = await cli(member, ['diagnose', '-o', 'json']);
      expect(diagnosis.status, diagnosis.stderrLines.join(' | ')).not.toBe(2);
      const report = JSON.parse(diagnosis.stdout) as {
        cluster: { context?: string | null };
        summary: { servicesChecked: number; poolsChecked: number };
      };
      expect(report.cluster.context).toBe(member.context);
      expect(report.summary.servicesChecked).toBeGreaterThan(0);
      expect(report.summary.poolsChecked).toBeGreaterThan(0);

      const history = await cli(member, ['history', '--cluster', member.context, '-o', 'json'], { context: false });
      expect(history.status, history.stderrLines.join(' | ')).toBe(0);
      const listed = history.stdout;
      for (const runId of runs[member.letter]) expect(listed).toContain(runId);
      for (const runId of runs[other.letter]) expect(listed).not.toContain(runId);

      const alertmanager = member.record.alertmanagerUrl!;
      const watch = await cli(member, ['watch', '--every', '5s', '--alertmanager', alertmanager]);
      expect(watch.status, watch.stderrLines.join(' | ')).toBe(0);
    }
    for (const member of [a, b]) {
      const query =
        `WorkflowType = "driftWatch" AND TaskQueue = "${taskQueueFor(member.context)}" ` +
        'AND ExecutionStatus = "Completed"';
      const drift = await eventually(
        `a drift run on ${member.context} to complete`,
        async () => {
          for await (const run of client.workflow.list({ query })) return run;
          return undefined;
        },
        { timeoutMs: 90_000, intervalMs: 1000 },
      );
      expect(await workerIdentities(client, drift.workflowId, drift.runId)).toEqual([
        `metallb-runbooks@${member.context}/${member.worker.process.pid}`,
      ]);
      console.log(`[fleet] drift run ${drift.workflowId} completed on ${member.context}'s worker`);
    }
    const list = await cli(a, ['watch', 'list'], { context: false });
    expect(list.stdout).toContain(a.context);
    expect(list.stdout).toContain(b.context);
    for (const member of [a, b]) expect((await cli(member, ['watch', 'delete'])).status).toBe(0);
  }, 300_000);

  it("no worker holds or uses the other cluster's credentials", () => {
    for (const [member, other] of [
      [a, b],
      [b, a],
    ] as const) {
      const pid = member.worker.process.pid!;
      // What the worker was given: no $KUBECONFIG, one kubeconfig naming only its own API server.
      const environment = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      expect(environment.filter((entry) => entry.startsWith('KUBECONFIG='))).toEqual([]);
      const commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      const kubeconfig = commandLine[commandLine.indexOf('--kubeconfig') + 1]!;
      expect(kubeconfig).toBe(member.identity.kubeconfig);
      const given = parse(readFileSync(kubeconfig, 'utf8')) as { clusters: { cluster: { server: string } }[] };
      expect(given.clusters.map((entry) => entry.cluster.server)).toEqual([member.record.apiServer]);
      // What it is connected to: never the other cluster's API server.
      const ports = remotePorts(pid);
      expect(ports).toContain(portOf(`tcp://${lab().temporalAddress}`));
      expect(ports).not.toContain(portOf(other.record.apiServer));
      // Only the one Temporal server and its own lab (its API server; its Alertmanager, where its watch alerts).
      const own = [portOf(`tcp://${lab().temporalAddress}`), portOf(member.record.apiServer)];
      const allowed = new Set([...own, portOf(member.record.alertmanagerUrl!)]);
      expect(ports.filter((port) => !allowed.has(port))).toEqual([]);
      // What each API server saw: its own worker's ServiceAccount, never the other's.
      const audited = parseAuditLog(
        readFileSync(member.record.auditLog!).subarray(auditMarks.get(member.record.name)).toString('utf8'),
      );
      const by = (identity: Identity) => audited.filter((entry) => entry.user === identity.user).length;
      expect(by(member.identity)).toBeGreaterThan(0);
      expect(by(other.identity)).toBe(0);
      console.log(
        `[fleet] ${member.context}: ${by(member.identity)} requests by ${member.identity.user} on ` +
          `${member.record.apiServer}, 0 by ${other.identity.user}; ` +
          `worker sockets to ports ${[...new Set(ports)].join(', ')}`,
      );
    }
  });
});
