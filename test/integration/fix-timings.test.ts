import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { Client, Connection } from '@temporalio/client';
import { daemonSetRolloutStatus, deploymentRolloutStatus, restartPatch } from '../../domain/rollout.js';
import {
  createL2Advertisement,
  createLoadBalancer,
  createNamespace,
  createPool,
  eventually,
  labClients,
  uniqueName,
} from './helpers.js';
import {
  allServiceIps,
  finish,
  deleteAllMetallbConfig,
  start,
  waitForIp,
  removeNamespace,
  type RunningWorker,
} from './fix-helpers.js';
import { closeRunbookSession, openRunbookSession } from './fix-helpers.js';

// How long each runbook takes on the lab, next to the popular script's commands (its fixed
// `sleep 10` and its `kubectl rollout status` waits) replayed against the same lab.
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const jsonPatch = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;
const timed = async (run: () => Promise<unknown>) => {
  const t0 = Date.now();
  await run();
  return Date.now() - t0;
};

/** `kubectl rollout restart deployment controller && kubectl rollout status deployment controller` */
async function scriptRestart(kind: 'Deployment' | 'DaemonSet'): Promise<void> {
  const { apps, namespace } = labClients();
  const body = restartPatch(new Date().toISOString());
  if (kind === 'Deployment') {
    const { metadata } = await apps.patchNamespacedDeployment({ name: 'controller', namespace, body }, mergePatch);
    await eventually(
      'rollout status',
      async () => {
        const d = await apps.readNamespacedDeployment({ name: 'controller', namespace });
        return (d.status?.observedGeneration ?? 0) >= metadata!.generation! &&
          deploymentRolloutStatus(d).phase === 'done'
          ? true
          : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 100 },
    );
    return;
  }
  const { metadata } = await apps.patchNamespacedDaemonSet({ name: 'speaker', namespace, body }, mergePatch);
  await eventually(
    'rollout status',
    async () => {
      const ds = await apps.readNamespacedDaemonSet({ name: 'speaker', namespace });
      return (ds.status?.observedGeneration ?? 0) >= metadata!.generation! &&
        daemonSetRolloutStatus(ds).phase === 'done'
        ? true
        : undefined;
    },
    { timeoutMs: 120_000, intervalMs: 100 },
  );
}

/** Fix 3: export, `kubectl delete ... --all`, `sleep 10`, `kubectl apply -f` the exports. */
async function scriptReapply(): Promise<void> {
  const { custom, namespace } = labClients();
  const kinds = ['ipaddresspools', 'l2advertisements', 'bgpadvertisements'];
  const params = (plural: string) => ({ group: 'metallb.io', version: 'v1beta1', namespace, plural });
  const exported = await Promise.all(
    kinds.map(async (plural) => ({
      plural,
      items: (
        (await custom.listNamespacedCustomObject(params(plural))) as {
          items: { kind?: string; metadata: { name: string }; spec: unknown }[];
        }
      ).items,
    })),
  );
  for (const { plural, items } of exported)
    for (const item of items)
      await custom.deleteNamespacedCustomObject({ ...params(plural), name: item.metadata.name });
  await new Promise((r) => setTimeout(r, 10_000));
  for (const { plural, items } of exported) {
    for (const item of items)
      await custom.createNamespacedCustomObject({
        ...params(plural),
        body: {
          apiVersion: 'metallb.io/v1beta1',
          kind: item.kind,
          metadata: { name: item.metadata.name },
          spec: item.spec,
        },
      });
  }
}

/** Fix 4: `kubectl patch svc --type=json -p '[{"op":"remove","path":"/spec/loadBalancerIP"}]'`, then `kubectl get svc -w` until an IP shows. */
async function scriptCleanup(ns: string, name: string): Promise<void> {
  await labClients().core.patchNamespacedService(
    { namespace: ns, name, body: [{ op: 'remove', path: '/spec/loadBalancerIP' }] },
    jsonPatch,
  );
  await waitForIp(ns, name);
}

describe('timings: runbooks vs the popular script on the lab', () => {
  const ns = uniqueName('fix-timing');
  const rows: [string, string, string][] = [];
  let worker: RunningWorker;
  let client: Client;
  let connection: Connection;
  const lost = (name: string) =>
    createLoadBalancer(ns, name, {
      spec: {
        type: 'LoadBalancer',
        loadBalancerIP: '198.51.100.200',
        ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
      },
    });

  beforeAll(async () => {
    await deleteAllMetallbConfig();
    await createNamespace(ns);
    await createPool('tm-pool', ['203.0.113.0/28']);
    await createL2Advertisement('tm-l2', ['tm-pool']);
    for (const name of ['a', 'b', 'c']) {
      await createLoadBalancer(ns, name);
      await waitForIp(ns, name);
    }
    ({ worker, client, connection } = await openRunbookSession());
  });

  afterAll(async () => {
    console.log(
      [
        '[timing] runbook | ours (workflow, all verification included) | popular script',
        ...rows.map((r) => `[timing] ${r.join(' | ')}`),
      ].join('\n'),
    );
    await closeRunbookSession({ worker, connection });
    await removeNamespace(ns);
    await deleteAllMetallbConfig();
  });

  it('measures each runbook and the script step it replaces', async () => {
    const ours = async (runbook: Parameters<typeof start>[1], extra = {}) => {
      let steps = '';
      const ms = await timed(async () => {
        const run = await finish(await start(client, runbook, extra), `timing-${runbook}`);
        expect(run.failure).toBeUndefined();
        steps = run.progress.steps
          .filter((s) => s.startedAt && s.endedAt)
          .map((s) => `${s.id} ${seconds(Date.parse(s.endedAt!) - Date.parse(s.startedAt!))}`)
          .join(', ');
      });
      return { ms, steps };
    };

    const rc = await ours('restart-controller');
    rows.push([
      'restart-controller',
      `${seconds(rc.ms)} (${rc.steps})`,
      `${seconds(await timed(() => scriptRestart('Deployment')))} (rollout restart + rollout status; no verification)`,
    ]);
    const rs = await ours('restart-speakers');
    rows.push([
      'restart-speakers',
      `${seconds(rs.ms)} (${rs.steps})`,
      `${seconds(await timed(() => scriptRestart('DaemonSet')))} (rollout restart + rollout status; no verification)`,
    ]);

    const before = await allServiceIps();
    const rr = await ours('reapply-config', { mode: 'recreate' });
    expect(await allServiceIps()).toEqual(before);
    const scriptMs = await timed(scriptReapply);
    const moved = Object.entries(await allServiceIps())
      .filter(([k, ips]) => ips.join() !== before[k]?.join())
      .map(([k, ips]) => `${k} ${before[k]?.join() ?? '<none>'} -> ${ips.join() || '<none>'}`);
    rows.push([
      'reapply-config --recreate',
      `${seconds(rr.ms)} (${rr.steps})`,
      `${seconds(scriptMs)} (delete, sleep 10, apply; no wait for IPs; IPs changed: ${moved.join('; ') || 'none this time'})`,
    ]);
    expect(scriptMs).toBeGreaterThanOrEqual(10_000);
    expect(rr.ms).toBeLessThan(scriptMs);

    await lost('lost-1');
    const co = await ours('cleanup-orphans', { services: [`${ns}/lost-1`] });
    await lost('lost-2');
    rows.push([
      'cleanup-orphans',
      `${seconds(co.ms)} (${co.steps})`,
      `${seconds(await timed(() => scriptCleanup(ns, 'lost-2')))} (patch + watch until an IP shows; no check it is in a pool)`,
    ]);
  });
});
