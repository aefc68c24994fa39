// The worker's config watch on the lab: changes made with plain kubectl (edit, client-side apply, a server-side
// apply under its own field manager, a patch, a delete) are each recorded once in the audit log with their field
// manager and diff, and `history` (the compiled CLI) shows them beside our own apply, which the watch does not
// record again. A worker SIGKILLed between changes resumes from its bookmark; with etcd compacted and the API
// server restarted (its watch cache gone) the bookmark is too old (410 Gone) and the gap is one relist record.
// A pool narrowed with kubectl that moves a Service's IP raises a drift-watch alert naming the change.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { Client, Connection } from '@temporalio/client';
import { labConfig } from '../../lab/config.js';
import { labUp } from '../../lab/lab.js';
import { stopDaemon } from '../../lab/processes.js';
import { taskQueueFor } from '../../domain/runbooks/names.js';
import type { ChainedRecord } from '../../domain/audit/record.js';
import type { DriftWatchInput } from '../../domain/watch/types.js';
import { labAuditDirectory, labAuditRecords } from './audit-check.js';
import { cliEnv, ownCluster, runCli, startCliWorker, type CliWorker, type OwnCluster } from './cli-helpers.js';
import { cluster as labContext } from './fix-helpers.js';
import {
  createServedPool,
  deleteAllMetallbConfig,
  eventually,
  ingressIps,
  lab,
  labClients,
  removeNamespace,
  temporalClient,
  uniqueName,
  waitForIp,
} from './helpers.js';
import { alertmanagerAlerts } from './watch-helpers.js';

const kubectlBinary = '/usr/bin/kubectl';
const slow = 300_000;
const relistLine =
  /config watch: .*410 Gone\): relisted; (\d+) change\(s\) while not watching recorded as one record #(\d+)/;

describe('the config watch records every MetalLB config change, ours and outside ones', () => {
  let own: OwnCluster;
  let worker: CliWorker;
  let client: Client;
  let connection: Connection;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'config-watch-'));
  const auditEnv = () => ({ METALLB_RUNBOOKS_AUDIT_DIR: labAuditDirectory() });
  const pool = uniqueName('cw-pool');
  const ns = uniqueName('cw');

  const kubectl = (args: string[], env: Record<string, string> = {}): string => {
    const namespace = lab().namespace;
    const base = ['--kubeconfig', lab().kubeconfig, '--context', labContext, '-n', namespace];
    const result = spawnSync(kubectlBinary, [...base, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
    if (result.status !== 0) throw new Error(`kubectl ${args.join(' ')}: ${result.stderr}`);
    return result.stdout;
  };
  const poolFile = (name: string, addresses: string[]) => {
    const file = path.join(dir, `${name}-${addresses.join('_').replace(/\//g, '-')}.yaml`);
    const metadata = { name, namespace: lab().namespace };
    writeFileSync(
      file,
      stringify({ apiVersion: 'metallb.io/v1beta1', kind: 'IPAddressPool', metadata, spec: { addresses } }),
    );
    return file;
  };
  const startWorker = async () => {
    worker = await startCliWorker(own, process.execPath, false, auditEnv());
    await eventually(
      'the config watch to start',
      () => /config watch: (first start|resuming)/.test(worker.output()) || undefined,
      {
        timeoutMs: 60_000,
      },
    );
  };
  const killWorker = async () => {
    worker.process.kill('SIGKILL');
    await worker.exited;
  };
  /** The outside records of this cluster about `object`, oldest first. */
  const outsideRecords = async (object: string): Promise<ChainedRecord[]> =>
    (await labAuditRecords()).filter(
      (record) => record.source === 'outside' && record.cluster === own.context && record.objects.includes(object),
    );
  const waitRecords = (object: string, count: number) =>
    eventually(
      `${count} outside record(s) of ${object}`,
      async () => {
        const found = await outsideRecords(object);
        return found.length >= count ? found : undefined;
      },
      { timeoutMs: 30_000 },
    );
  /** `history` of the compiled CLI, as JSON. */
  const history = (args: string[]): ChainedRecord[] => {
    const result = runCli(
      ['history', '--cluster', own.context, '-o', 'json', '--limit', '0', ...args],
      cliEnv(own, auditEnv()),
    );
    expect(result.status, result.stderrLines.join('\n')).toBe(0);
    return JSON.parse(result.stdout) as ChainedRecord[];
  };
  const change = (record: ChainedRecord) => record.observed!.objects[0]!;

  beforeAll(async () => {
    ({ client, connection } = await temporalClient());
    await deleteAllMetallbConfig();
    own = ownCluster('cw');
    await startWorker();
  });
  afterAll(async () => {
    if (worker.process.exitCode === null && worker.process.signalCode === null) await killWorker();
    await connection.close();
    await removeNamespace(ns);
    await deleteAllMetallbConfig();
    own.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  it(
    'kubectl apply, edit, server-side apply and delete: each once, with its manager and diff; ours once',
    async () => {
      const object = `IPAddressPool/${pool}`;
      kubectl(['apply', '-f', poolFile(pool, ['192.0.2.0/28'])]);
      await waitRecords(object, 1);
      const editor = path.join(dir, 'edit.sh');
      writeFileSync(editor, `#!/bin/sh\nsed -i 's#192.0.2.0/28#192.0.2.0/29#' "$1"\n`);
      chmodSync(editor, 0o755);
      kubectl(['edit', `ipaddresspool/${pool}`], { EDITOR: editor, KUBE_EDITOR: editor });
      await waitRecords(object, 2);
      // A metadata-only write is no change.
      kubectl(['label', `ipaddresspool/${pool}`, 'team=net']);
      kubectl(['apply', '-f', poolFile(pool, ['192.0.2.0/27'])]);
      await waitRecords(object, 3);
      const ssa = ['apply', '--server-side', '--field-manager=argocd-controller', '--force-conflicts'];
      kubectl([...ssa, '-f', poolFile(pool, ['192.0.2.0/26'])]);
      await waitRecords(object, 4);
      kubectl(['delete', `ipaddresspool/${pool}`]);
      await waitRecords(object, 5);

      const shown = history(['--source', 'outside', '--object', `pool/${pool}`]);
      expect(shown.map((record) => `${change(record).action} ${change(record).manager}`)).toEqual([
        'create kubectl-client-side-apply',
        'update kubectl-edit',
        'update kubectl-client-side-apply',
        'update argocd-controller',
        'delete unknown',
      ]);
      expect(shown[0]!.diff[0]!.fields).toContainEqual({ path: 'spec.addresses', after: ['192.0.2.0/28'] });
      expect(shown.slice(1, 4).map((record) => record.diff[0]!.fields)).toEqual([
        [{ path: 'spec.addresses', before: ['192.0.2.0/28'], after: ['192.0.2.0/29'] }],
        [{ path: 'spec.addresses', before: ['192.0.2.0/29'], after: ['192.0.2.0/27'] }],
        [{ path: 'spec.addresses', before: ['192.0.2.0/27'], after: ['192.0.2.0/26'] }],
      ]);
      expect(shown[4]!.diff[0]!.fields).toContainEqual({ path: 'spec.addresses', before: ['192.0.2.0/26'] });
      expect(change(shown[4]!).managerNote).toBe(
        'delete requests carry no field manager; the last writer was argocd-controller',
      );
      expect(new Set(shown.map((record) => record.id)).size).toBe(5);

      // Our own apply: one record (the run's), source ours; the watch sees our field manager and adds none.
      const ours = uniqueName('cw-ours');
      const desired = path.join(dir, `${ours}.yaml`);
      const metadata = (name: string) => ({ name, namespace: lab().namespace });
      writeFileSync(
        desired,
        [
          { kind: 'IPAddressPool', metadata: metadata(ours), spec: { addresses: ['203.0.113.0/28'] } },
          { kind: 'L2Advertisement', metadata: metadata(`${ours}-l2`), spec: { ipAddressPools: [ours] } },
        ]
          .map((document) => stringify({ apiVersion: 'metallb.io/v1beta1', ...document }))
          .join('---\n'),
      );
      const applied = runCli(['apply', '-f', desired, '--context', own.context], cliEnv(own, auditEnv()));
      expect(applied.status, `${applied.stdout}\n${applied.stderrLines.join('\n')}`).toBe(0);
      await eventually(
        'the watch to see our write',
        () =>
          (worker.output().includes(`IPAddressPool/${ours} create is ours (metallb-change.${own.context}`) &&
            worker.output().includes(`L2Advertisement/${ours}-l2 create is ours (metallb-change.${own.context}`)) ||
          undefined,
      );
      const oursShown = history(['--object', `pool/${ours}`]);
      expect(oursShown.map((record) => [record.runbook, record.source ?? 'ours'])).toEqual([['apply', 'ours']]);
      expect(history(['--source', 'outside', '--object', `pool/${ours}`])).toEqual([]);
      expect(history(['--source', 'outside', '--object', `l2/${ours}-l2`])).toEqual([]);
      const table = runCli(['history', '--cluster', own.context, '--object', `pool/${ours}`], cliEnv(own, auditEnv()));
      expect(table.stdout).toMatch(/SOURCE/);
      expect(table.stdout.split('\n').find((line) => line.includes(`IPAddressPool/${ours}`))).toMatch(/\bours\b/);
    },
    slow,
  );

  it(
    'a worker SIGKILLed between outside changes records the later ones after its restart, each once',
    async () => {
      const name = uniqueName('cw-kill');
      const object = `IPAddressPool/${name}`;
      kubectl(['apply', '-f', poolFile(name, ['198.51.100.0/28'])]);
      await waitRecords(object, 1);
      kubectl(['patch', `ipaddresspool/${name}`, '--type=merge', '-p', '{"spec":{"addresses":["198.51.100.0/29"]}}']);
      await waitRecords(object, 2);
      await killWorker();
      kubectl(['patch', `ipaddresspool/${name}`, '--type=merge', '-p', '{"spec":{"addresses":["198.51.100.0/30"]}}']);
      const helm = ['apply', '--server-side', '--field-manager=helm', '--force-conflicts'];
      kubectl([...helm, '-f', poolFile(name, ['198.51.100.0/27'])]);
      await startWorker();
      expect(worker.output()).toContain('config watch: resuming from the last recorded resourceVersions');
      await waitRecords(object, 4);
      const shown = history(['--source', 'outside', '--object', `pool/${name}`]);
      const addresses = (record: ChainedRecord) => (change(record).spec as { addresses: string[] }).addresses.join(',');
      expect(shown.map((record) => `${change(record).action} ${change(record).manager} ${addresses(record)}`)).toEqual([
        'create kubectl-client-side-apply 198.51.100.0/28',
        'update kubectl-patch 198.51.100.0/29',
        'update kubectl-patch 198.51.100.0/30',
        'update helm 198.51.100.0/27',
      ]);
    },
    slow,
  );

  it(
    'a pool narrowed with kubectl that moves a Service IP raises a drift-watch alert naming the change',
    async () => {
      const servedPool = uniqueName('cw-served');
      await createServedPool({
        namespace: ns,
        pool: servedPool,
        addresses: ['198.51.100.0/29'],
        advertisement: 'cw-l2',
        services: ['web'],
      });
      const before = await waitForIp(ns, 'web');
      expect(before).toEqual(['198.51.100.0']);
      // Events and managedFields times are whole seconds: keep the first assignment out of the change's minute.
      await new Promise((resolve) => setTimeout(resolve, 2500));
      const narrow = '{"spec":{"addresses":["198.51.100.4/30"]}}';
      kubectl(['patch', `ipaddresspool/${servedPool}`, '--type=merge', '-p', narrow]);
      const { core } = labClients();
      await eventually(
        'web to move into the narrowed pool',
        async () => {
          const ips = ingressIps(await core.readNamespacedService({ namespace: ns, name: 'web' }));
          return ips[0] === '198.51.100.4' || undefined;
        },
        { timeoutMs: 60_000 },
      );
      const [, narrowed] = await waitRecords(`IPAddressPool/${servedPool}`, 2);
      expect(change(narrowed!).manager).toBe('kubectl-patch');

      const shown = runCli(
        ['history', 'show', `#${narrowed!.seq}`, '--kubeconfig', lab().kubeconfig],
        cliEnv(own, auditEnv()),
      );
      expect(shown.stdout).toContain('field manager: kubectl-patch');
      expect(shown.stdout).toContain('spec.addresses: ["198.51.100.0/29"] -> ["198.51.100.4/30"]');
      expect(shown.stdout).toContain(`${ns}/web moved to 198.51.100.4`);

      const input: DriftWatchInput = {
        cluster: own.context,
        intervalSeconds: 60,
        sinks: { alertmanager: [lab().alertmanagerUrl!], webhook: null, slack: null },
        autoFix: [],
        requestedBy: 'config-watch test',
        configuredAt: new Date().toISOString(),
      };
      await client.workflow.execute('driftWatch', {
        taskQueue: taskQueueFor(own.context),
        workflowId: uniqueName('cw-drift'),
        args: [input],
      });
      const alert = await eventually('the outside-change alert in Alertmanager', async () =>
        (await alertmanagerAlerts()).find(
          (listed) => listed.labels['check'] === 'outside-change' && listed.labels['cluster'] === own.context,
        ),
      );
      expect(alert.annotations['summary']).toBe(
        `update of IPAddressPool/${servedPool} by kubectl-patch (outside metallb-runbooks, audit #${narrowed!.seq}): ` +
          `${ns}/web moved to 198.51.100.4 (ClearAssignment, IPAllocated)`,
      );
      expect(alert.labels['severity']).toBe('warning');
    },
    slow,
  );

  it(
    'with the watch history compacted away (410 Gone), the changes while not watching are one relist record',
    async () => {
      const name = uniqueName('cw-gap');
      kubectl(['apply', '-f', poolFile(name, ['203.0.113.64/28'])]);
      await waitRecords(`IPAddressPool/${name}`, 1);
      await killWorker();
      kubectl(['patch', `ipaddresspool/${name}`, '--type=merge', '-p', '{"spec":{"addresses":["203.0.113.64/29"]}}']);
      const created = uniqueName('cw-new');
      kubectl(['create', '-f', poolFile(created, ['203.0.113.128/28'])]);
      // Compact etcd to its current revision, and restart the API server so its watch cache starts after the bookmark.
      const config = labConfig({ name: lab().name });
      const etcd = `http://${config.host}:${config.ports.etcdClient}`;
      const range = await fetch(`${etcd}/v3/kv/range`, { method: 'POST', body: JSON.stringify({ key: btoa('/') }) });
      const revision = Number(((await range.json()) as { header: { revision: string } }).header.revision);
      const compacted = await fetch(`${etcd}/v3/kv/compaction`, {
        method: 'POST',
        body: JSON.stringify({ revision, physical: true }),
      });
      expect(compacted.status).toBe(200);
      await stopDaemon(config.stateDir, 'kube-apiserver');
      await labUp({ name: lab().name }, () => undefined);
      await startWorker();
      const line = await eventually('the relist line', () => relistLine.exec(worker.output()) ?? undefined, {
        timeoutMs: 90_000,
      });
      expect(line[1]).toBe('2');
      const gaps = history(['--source', 'outside']).filter((record) => record.observed?.gap);
      expect(gaps).toHaveLength(1);
      expect(gaps[0]!.seq).toBe(Number(line[2]));
      // Sorted by object: cw-gap-* before cw-new-*.
      expect(gaps[0]!.observed!.objects.map((object) => `${object.action} ${object.object} ${object.manager}`)).toEqual(
        [`update IPAddressPool/${name} kubectl-patch`, `create IPAddressPool/${created} kubectl-create`],
      );
      expect(gaps[0]!.reason).toBe('changes while not watching (the watch history was gone (410 Gone))');
    },
    slow,
  );
});
