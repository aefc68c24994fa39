import { execFile } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import type { Client, Connection } from '@temporalio/client';
import { lab, labClients, uniqueName } from './helpers.js';
import {
  allServiceIps,
  buildFullConfig,
  cluster,
  configSpecs,
  expectClusterClean,
  labToken,
  leftoverPins,
  peerPassword,
  recordHistory,
  deleteAllMetallbConfig,
  root,
  serviceIps,
  timings,
  removeNamespace,
  type RunningWorker,
  labCliArgs,
} from './fix-helpers.js';
import { closeRunbookSession, openRunbookSession } from './fix-helpers.js';
import { progressQuery } from '../../workflows/messages.js';
import { changeWorkflowId } from '../../domain/runbooks/names.js';

const run = promisify(execFile);

describe('fix reapply-config --recreate on the lab', () => {
  const ns = uniqueName('fix-recreate');
  const backupFile = `/tmp/${ns}-backup.yaml`;
  let worker: RunningWorker;
  let client: Client;
  let connection: Connection;

  beforeAll(async () => {
    await deleteAllMetallbConfig();
    await buildFullConfig(ns);
    ({ worker, client, connection } = await openRunbookSession());
  });

  afterAll(async () => {
    await closeRunbookSession({ worker, connection });
    rmSync(backupFile, { force: true });
    await removeNamespace(ns);
    await deleteAllMetallbConfig();
  });

  it('through the CLI: objects re-created identical, healthy Services keep their IPs, the pending none', async () => {
    const [ipsBefore, specsBefore] = [await allServiceIps(), await configSpecs()];
    expect(ipsBefore[`${ns}/waiting`]).toEqual([]);
    const args = labCliArgs([
      ...['fix', 'reapply-config', '--recreate', '--backup-file', backupFile],
      ...['--temporal-ui', lab().temporalUi, '--requested-by', 'alice'],
    ]);
    const { stdout } = await run(process.execPath, args, { cwd: root, timeout: 170_000 });

    expect(stdout).toContain(`workflow ${changeWorkflowId(cluster)}`);
    expect(stdout).toContain(
      `Temporal UI: ${lab().temporalUi}/namespaces/default/workflows/${changeWorkflowId(cluster)}/`,
    );
    expect(stdout).toMatch(
      new RegExp(
        '✓ Wait for the controller to process the deletions \\d+\\.\\ds — ' +
          'the controller cleared the ingress of all 5 pinned Service\\(s\\)',
      ),
    );
    expect(stdout).toContain('re-created 7 MetalLB object(s); no healthy Service changed its IP');

    const specsAfter = await configSpecs();
    expect(Object.keys(specsAfter)).toEqual(Object.keys(specsBefore));
    for (const [key, { spec, uid }] of Object.entries(specsAfter)) {
      expect(spec, key).toEqual(specsBefore[key]!.spec);
      expect(uid, `${key} was really re-created`).not.toBe(specsBefore[key]!.uid);
    }
    expect(await allServiceIps()).toEqual(ipsBefore);
    expect(await serviceIps(ns, 'waiting')).toEqual([]);
    expect(await leftoverPins(ns)).toEqual([]);
    const requested = await labClients().core.readNamespacedService({ namespace: ns, name: 'requested' });
    expect(requested.spec?.loadBalancerIP).toBe('198.51.100.5');

    const docs = parseAllDocuments(readFileSync(backupFile, 'utf8')).map(
      (d) => d.toJS() as { kind: string; metadata: Record<string, unknown> },
    );
    expect(docs.map((d) => d.kind)).toEqual([
      'Community',
      'BFDProfile',
      'IPAddressPool',
      'IPAddressPool',
      'BGPPeer',
      'L2Advertisement',
      'BGPAdvertisement',
    ]);
    expect(
      docs.every(
        (d) => !('uid' in d.metadata) && !('resourceVersion' in d.metadata) && !('managedFields' in d.metadata),
      ),
    ).toBe(true);
    expect(readFileSync(backupFile, 'utf8')).toContain(
      'Secrets referenced (not included): metallb-system/bgp-auth (used by BGPPeer/rc-peer)',
    );

    const handle = client.workflow.getHandle(changeWorkflowId(cluster));
    const progress = await handle.query(progressQuery);
    console.log(`[timing] ${timings(progress)}`);
    const history = await recordHistory(handle, 'reapply-config-recreate');
    expect(history).not.toContain(labToken());
    expect(history).not.toContain(peerPassword);
    expect((await handle.describe()).memo).toMatchObject({ runbook: 'reapply-config', requestedBy: 'alice' });
    await expectClusterClean();
  });
});
