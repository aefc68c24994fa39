import { execFile } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client, Connection } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { changeWorkflowId } from '../../domain/runbooks/names.js';
import { stashLabel } from '../../kube/password-stash.js';
import { createL2Advertisement, createLoadBalancer, createNamespace, createPool, labClients } from './helpers.js';
import { lab, uniqueName } from './helpers.js';
import { labAuditDirectory, recordOf } from './audit-check.js';
import path from 'node:path';
import {
  closeRunbookSession,
  cluster,
  deleteAllMetallbConfig,
  openRunbookSession,
  removeNamespace,
  root,
  waitForIp,
  type RunningWorker,
  labCliArgs,
} from './fix-helpers.js';

const run = promisify(execFile);
const password = 'inline-peer-password-5d1e';
// A second peer takes its password from a Secret: that value must stay in the Secret.
const secretPassword = 'secret-peer-password-93ab';
const peerParams = { group: 'metallb.io', version: 'v1beta2', plural: 'bgppeers', name: 'inline-peer' };

/**
 * Every string the history holds, payloads decoded: history JSON keeps payload data base64, where a
 * plain-text search would never find a leaked password.
 */
function readableHistory(json: string): string {
  const decoded: string[] = [];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (value !== null && typeof value === 'object') {
      const data = (value as { data?: unknown }).data;
      if (typeof data === 'string') decoded.push(Buffer.from(data, 'base64').toString('utf8'));
      Object.values(value).forEach(walk);
    }
  };
  walk(JSON.parse(json));
  return [json, ...decoded].join('\n');
}

async function readPeer() {
  const { custom, namespace } = labClients();
  return (await custom.getNamespacedCustomObject({ ...peerParams, namespace })) as {
    metadata: { uid: string; annotations?: Record<string, string> };
    spec: { password?: string; peerAddress: string };
  };
}

describe('fix reapply-config --recreate with an inline BGPPeer password', () => {
  const ns = uniqueName('fix-secrets');
  const backupFile = `/tmp/${ns}-backup.yaml`;
  let worker: RunningWorker;
  let client: Client;
  let connection: Connection;

  beforeAll(async () => {
    await deleteAllMetallbConfig();
    await createPool('sec-pool', ['192.0.2.32/28']);
    await createL2Advertisement('sec-l2', ['sec-pool']);
    const spec = { myASN: 64512, peerASN: 64513, peerAddress: '192.0.2.254', password };
    const { custom, namespace } = labClients();
    // As `kubectl apply` leaves it: the annotation repeats the whole object, password included.
    const lastApplied = JSON.stringify({ apiVersion: 'metallb.io/v1beta2', kind: 'BGPPeer', spec });
    await custom.createNamespacedCustomObject({
      ...peerParams,
      namespace,
      body: {
        apiVersion: 'metallb.io/v1beta2',
        kind: 'BGPPeer',
        metadata: {
          name: peerParams.name,
          annotations: { 'kubectl.kubernetes.io/last-applied-configuration': lastApplied },
        },
        spec,
      },
    });
    await labClients().core.createNamespacedSecret({
      namespace,
      body: {
        metadata: { name: 'secret-peer-password' },
        type: 'kubernetes.io/basic-auth',
        stringData: { password: secretPassword },
      },
    });
    await custom.createNamespacedCustomObject({
      ...peerParams,
      namespace,
      body: {
        apiVersion: 'metallb.io/v1beta2',
        kind: 'BGPPeer',
        metadata: { name: 'secret-peer' },
        spec: {
          myASN: 64512,
          peerASN: 64514,
          peerAddress: '192.0.2.253',
          passwordSecret: { name: 'secret-peer-password', namespace },
        },
      },
    });
    await createNamespace(ns);
    await createLoadBalancer(ns, 'web');
    await waitForIp(ns, 'web');
    ({ worker, client, connection } = await openRunbookSession());
  });

  afterAll(async () => {
    await closeRunbookSession({ worker, connection });
    rmSync(backupFile, { force: true });
    await removeNamespace(ns);
    await deleteAllMetallbConfig();
  });

  it('re-creates the peer with its password, which is in no history event, file or output', async () => {
    const before = await readPeer();
    const args = labCliArgs([
      'fix',
      'reapply-config',
      '--recreate',
      '--backup-file',
      backupFile,
      '--requested-by',
      'alice',
    ]);
    const { stdout, stderr } = await run(process.execPath, args, { cwd: root, timeout: 170_000 });
    expect(stdout).toContain('re-created');

    const after = await readPeer();
    expect(after.metadata.uid, 'the peer was really re-created').not.toBe(before.metadata.uid);
    expect(after.spec.password).toBe(password);

    const history = readableHistory(
      historyToJSON(await client.workflow.getHandle(changeWorkflowId(cluster)).fetchHistory()),
    );
    expect(history).toContain('BGPPeer/inline-peer');
    for (const value of [password, secretPassword]) {
      expect(history).not.toContain(value);
      expect(history).not.toContain(Buffer.from(value).toString('base64'));
    }
    // The audit record names both peers, and holds neither password; nor does its export.
    const record = await recordOf(
      changeWorkflowId(cluster),
      (await client.workflow.getHandle(changeWorkflowId(cluster)).describe()).runId,
    );
    expect(record.objects).toEqual(expect.arrayContaining(['BGPPeer/inline-peer', 'BGPPeer/secret-peer']));
    const log = readFileSync(path.join(labAuditDirectory(), 'audit.jsonl'), 'utf8');
    const exportArgs = ['--import', 'tsx', 'client/main.ts', 'history', 'export', '--kubeconfig', lab().kubeconfig];
    const exported = await run(process.execPath, exportArgs, { cwd: root });
    expect(exported.stdout).toContain(record.id);
    for (const text of [log, exported.stdout])
      for (const value of [password, secretPassword]) {
        expect(text).not.toContain(value);
        expect(text).not.toContain(Buffer.from(value).toString('base64'));
      }
    const file = readFileSync(backupFile, 'utf8');
    expect(file).toContain('name: inline-peer');
    expect(file).not.toContain(password);
    expect(file).not.toContain('last-applied-configuration');
    expect(`${stdout}\n${stderr}`).not.toContain(password);

    const { core, namespace } = labClients();
    const stashes = await core.listNamespacedSecret({ namespace, labelSelector: stashLabel });
    expect(stashes.items.map((s) => s.metadata?.name)).toEqual([]);
  });
});
