import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { compensationSteps, recreateSteps, restartControllerSteps } from '../../domain/runbooks/steps.js';
import {
  deleteAllMetallbConfig,
  lab,
  labClients,
  removeNamespace,
  uniqueName,
  waitForIp,
  createServedPool,
} from './helpers.js';

const bin = fileURLToPath(new URL('../../bin/metallb-runbooks.js', import.meta.url));

/** resourceVersion of every MetalLB pool and every Service: any write would change one. */
async function versions(): Promise<Record<string, string>> {
  const { core, custom, namespace } = labClients();
  const pools = (await custom.listNamespacedCustomObject({
    group: 'metallb.io',
    version: 'v1beta1',
    namespace,
    plural: 'ipaddresspools',
  })) as {
    items: { metadata: { name: string; resourceVersion: string } }[];
  };
  const services = await core.listServiceForAllNamespaces();
  return Object.fromEntries([
    ...pools.items.map((p) => [`pool/${p.metadata.name}`, p.metadata.resourceVersion]),
    ...services.items.map((s) => [`svc/${s.metadata!.namespace}/${s.metadata!.name}`, s.metadata!.resourceVersion!]),
  ]);
}

describe('fix --dry-run', () => {
  const ns = uniqueName('fix-dry');
  const pool = uniqueName('dry-pool');

  beforeAll(async () => {
    await createServedPool({
      namespace: ns,
      pool: pool,
      addresses: ['192.0.2.0/28'],
      advertisement: uniqueName('dry-l2'),
      services: ['web'],
    });
  });
  afterAll(async () => {
    await removeNamespace(ns);
    await deleteAllMetallbConfig();
  });

  it('prints the re-create plan (pins, order, compensation) and writes nothing', async () => {
    const [ip] = await waitForIp(ns, 'web');
    const before = await versions();
    const result = spawnSync(
      process.execPath,
      [bin, 'fix', 'reapply-config', '--recreate', '--dry-run', '--kubeconfig', lab().kubeconfig],
      {
        encoding: 'utf8',
        env: { ...process.env, NO_COLOR: '1', TEMPORAL_ADDRESS: '127.0.0.1:1' },
        timeout: 120_000,
      },
    );
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('nothing is written, no workflow is started');
    expect(result.stdout).toContain(`pin 1 Service(s) to their current IPs: ${ns}/web=${ip}`);
    expect(result.stdout).toMatch(/delete in this order: L2Advertisement\/\S+, IPAddressPool\//);
    expect(result.stdout).toContain('on any failure after the first delete: restore the backup and the IPs');
    // The step table drives the plan: every step, in order, with its title.
    const titles = [...recreateSteps, ...compensationSteps].map((step) => step.title);
    const positions = titles.map((title) => result.stdout.indexOf(`. ${title}: `));
    expect(positions.every((at) => at >= 0)).toBe(true);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(result.stdout).toContain('with metallb.io/loadBalancerIPs (MetalLB v');
    expect(await versions()).toEqual(before);
  });

  it("prints restart-controller as its step table lists it, with this cluster's target", async () => {
    const before = await versions();
    const result = spawnSync(
      process.execPath,
      [bin, 'fix', 'restart-controller', '--dry-run', '--kubeconfig', lab().kubeconfig],
      { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', TEMPORAL_ADDRESS: '127.0.0.1:1' }, timeout: 120_000 },
    );
    expect(result.status).toBe(0);
    const stepLines = result.stdout.split('\n').filter((line) => /^ {2}- \d+\. /.test(line));
    expect(stepLines.map((line) => line.replace(/^ {2}- \d+\. /, '').split(': ')[0])).toEqual(
      Object.values(restartControllerSteps).map((step) => step.title),
    );
    expect(result.stdout).toContain('target: Deployment metallb-system/controller');
    expect(await versions()).toEqual(before);
  });
});
