// The apply, approve and reject commands end to end on the lab (the CLI from its sources, a worker
// in this process): bad input and an unreachable Temporal are one line and exit 2 with nothing
// changed; `apply --approval` waits; `approve` by the requester is refused (exit 2), by another
// identity accepted, and the change is applied.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import type { Client, Connection } from '@temporalio/client';
import { changeWorkflowId } from '../../domain/runbooks/names.js';
import { planQuery } from '../../workflows/messages.js';
import {
  closeRunbookSession,
  cluster,
  configSpecs,
  deleteAllMetallbConfig,
  labCliArgs,
  openRunbookSession,
  removeNamespace,
  root,
  type RunningWorker,
} from './fix-helpers.js';
import { createServedPool, eventually, lab, uniqueName } from './helpers.js';
import { recordOf } from './audit-check.js';
import { operatorKubeconfig } from './identities.js';

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI from sources without blocking this process (its worker must keep running). */
function cli(args: string[]): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('apply, approve and reject on the command line', () => {
  let worker: RunningWorker;
  let client: Client;
  let connection: Connection;
  const ns = uniqueName('apply-cli');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'apply-cli-'));
  const file = (name: string, documents: object[]) => {
    const target = path.join(dir, name);
    writeFileSync(target, documents.map((document) => stringify(document)).join('---\n'));
    return target;
  };
  const pool = (addresses: string[]) => ({
    apiVersion: 'metallb.io/v1beta1',
    kind: 'IPAddressPool',
    metadata: { name: 'ap-a', namespace: lab().namespace },
    spec: { addresses },
  });

  beforeAll(async () => {
    ({ worker, client, connection } = await openRunbookSession());
    await createServedPool({
      namespace: ns,
      pool: 'ap-a',
      addresses: ['192.0.2.0/29'],
      advertisement: 'ap-l2',
      services: ['s1'],
    });
  });
  afterAll(async () => {
    await closeRunbookSession({ worker, client, connection });
    rmSync(dir, { recursive: true, force: true });
    await removeNamespace(ns);
    await deleteAllMetallbConfig();
  });

  it('bad input and an unreachable Temporal: one line, exit 2, nothing changed', async () => {
    const specs = await configSpecs();
    const notMetallb = file('bad.yaml', [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } }]);
    const bad = await cli(labCliArgs(['apply', '-f', notMetallb]));
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toContain(`${notMetallb} document 1 kind: ConfigMap "x" (v1) is not a MetalLB config object`);
    const missing = await cli(labCliArgs(['apply', '-f', path.join(dir, 'nope.yaml')]));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no such file or directory');
    const good = file('good.yaml', [pool(['192.0.2.0/28'])]);
    const args = labCliArgs(['apply', '-f', good]);
    args[args.indexOf('--temporal-address') + 1] = '127.0.0.1:1';
    const offline = await cli(args);
    expect(offline.code).toBe(2);
    expect(offline.stderr.trim().split('\n')).toHaveLength(1);
    expect(offline.stderr).toContain('cannot reach Temporal at 127.0.0.1:1');
    expect(await configSpecs()).toEqual(specs);
  });

  it('apply --approval waits; the requester approving is refused and recorded; another one applies it', async () => {
    const specs = await configSpecs();
    const desired = file('widen.yaml', [pool(['192.0.2.0/28'])]);
    const started = await cli(
      labCliArgs(['apply', '-f', desired, '--approval', '--no-wait', '--requested-by', 'alice']),
    );
    expect(started.code, started.stderr).toBe(0);
    expect(started.stdout).toContain(`metallb-runbooks approve ${changeWorkflowId(cluster)}`);
    const handle = client.workflow.getHandle(changeWorkflowId(cluster));
    await eventually(
      'the gate',
      async () => (await handle.query(planQuery)).approval.status === 'waiting' || undefined,
    );
    // The same Kubernetes user under another name is still the requester.
    const self = await cli(labCliArgs(['approve', changeWorkflowId(cluster), '--as', 'bob']));
    expect(self.code).toBe(2);
    expect(self.stderr).toContain('refused: lab-admin requested this change and cannot approve it');
    expect(await configSpecs()).toEqual(specs);
    const operator = operatorKubeconfig();
    const approveArgs = labCliArgs(['approve', changeWorkflowId(cluster)]);
    approveArgs[approveArgs.indexOf('--kubeconfig') + 1] = operator;
    const approved = await cli(approveArgs);
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.stdout).toContain('approved by lab-operator');
    expect(approved.stdout).toContain('1. update IPAddressPool/ap-a');
    expect(approved.stdout).toContain('the plan still holds on the live cluster');
    await handle.result();
    expect((await configSpecs())['ipaddresspools/ap-a']?.spec).toMatchObject({ addresses: ['192.0.2.0/28'] });
    const record = await recordOf(handle.workflowId, (await handle.describe()).runId);
    expect(record.requester.kubernetes).toEqual({
      username: 'lab-admin',
      groups: expect.arrayContaining(['system:masters']),
    });
    expect(record.requester.label).toBe('alice');
    expect(record.decisions.map(({ verb, by, refused }) => [verb, by.kubernetes?.username, refused !== null])).toEqual([
      ['approve', 'lab-admin', true],
      ['approve', 'lab-operator', false],
    ]);
    expect(record.input.files).toEqual([{ file: desired, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) }]);
    expect(record.diff).toEqual([
      {
        object: 'IPAddressPool/ap-a',
        action: 'update',
        by: 'step 1',
        fields: [{ path: 'spec.addresses', before: ['192.0.2.0/29'], after: ['192.0.2.0/28'] }],
      },
    ]);
    expect(record.outcome).toBe('succeeded');
  });

  it('a fix requested through the second identity is attributed to it', async () => {
    const args = labCliArgs(['fix', 'restart-speakers']);
    args[args.indexOf('--kubeconfig') + 1] = operatorKubeconfig();
    const fixed = await cli(args);
    expect(fixed.code, fixed.stderr).toBe(0);
    const handle = client.workflow.getHandle(changeWorkflowId(cluster));
    const record = await recordOf(handle.workflowId, (await handle.describe()).runId);
    expect(record.requester.kubernetes?.username).toBe('lab-operator');
    expect(record.requester.kubernetes?.groups).toContain('lab:operators');
    expect(record.runbook).toBe('restart-speakers');
  });

  it('--dry-run prints the plan and writes nothing; apply follows the run and writes the backup file', async () => {
    const specs = await configSpecs();
    const advertisement = {
      apiVersion: 'metallb.io/v1beta1',
      kind: 'L2Advertisement',
      metadata: { name: 'ap-l2-cli' },
      spec: { ipAddressPools: ['ap-a'] },
    };
    const desired = file('add.yaml', [advertisement]);
    const dry = await cli(labCliArgs(['apply', '-f', desired, '--dry-run']));
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('1. create L2Advertisement/ap-l2-cli');
    expect(await configSpecs()).toEqual(specs);
    const backupFile = path.join(dir, 'backup.yaml');
    const applied = await cli(labCliArgs(['apply', '-f', desired, '--backup-file', backupFile]));
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toContain('step 1 create L2Advertisement/ap-l2-cli: created');
    expect(applied.stdout).toContain(`backup of 2 object(s) written to ${backupFile}`);
    expect(readFileSync(backupFile, 'utf8')).toContain('name: ap-a');
    const again = path.join(dir, 'backup-again.yaml');
    const exported = await cli(labCliArgs(['apply', '--backup-of', changeWorkflowId(cluster), '--backup-file', again]));
    expect(exported.code, exported.stderr).toBe(0);
    expect(readFileSync(again, 'utf8').split('\n').slice(1)).toEqual(
      readFileSync(backupFile, 'utf8').split('\n').slice(1),
    );
  });

  it('reject on the command line ends the run with nothing changed', async () => {
    const specs = await configSpecs();
    const desired = file('narrow-back.yaml', [pool(['192.0.2.0/29'])]);
    const started = await cli(labCliArgs(['apply', '-f', desired, '--approval', '--no-wait']));
    expect(started.code, started.stderr).toBe(0);
    const handle = client.workflow.getHandle(changeWorkflowId(cluster));
    await eventually(
      'the gate',
      async () => (await handle.query(planQuery)).approval.status === 'waiting' || undefined,
    );
    const rejectArgs = labCliArgs(['reject', changeWorkflowId(cluster), '--as', 'carol', '--reason', 'not today']);
    rejectArgs[rejectArgs.indexOf('--kubeconfig') + 1] = operatorKubeconfig();
    const rejected = await cli(rejectArgs);
    expect(rejected.code, rejected.stderr).toBe(0);
    expect(rejected.stdout).toContain('rejected by lab-operator');
    await expect(handle.result()).rejects.toThrow();
    expect(await configSpecs()).toEqual(specs);
    const record = await recordOf(handle.workflowId, (await handle.describe()).runId);
    expect(record.outcome).toBe('rejected');
    expect(record.decisions).toMatchObject([{ verb: 'reject', reason: 'not today', by: { label: 'carol' } }]);
    expect(record.diff).toEqual([]);
    expect(record.services.every((service) => service.before.join() === service.after.join())).toBe(true);
  });
});
