import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { Client, Connection } from '@temporalio/client';
import { daemonSetRolloutStatus, deploymentRolloutStatus, restartPatch } from '../../domain/rollout.js';
import { createLoadBalancer, eventually, labClients, uniqueName, createServedPool } from './helpers.js';
import {
  allServiceIps,
  finish,
  deleteAllMetallbConfig,
  start,
  waitForIp,
  removeNamespace,
  serviceIps,
  type Finished,
  type RunningWorker,
} from './fix-helpers.js';
import { closeRunbookSession, openRunbookSession } from './fix-helpers.js';

// How long each runbook takes on the lab, next to the popular script's commands (its fixed
// `sleep 10` and its `kubectl rollout status` waits) replayed against the same lab. Figures are
// printed, never asserted: what is asserted is that ours come from the run's own history (every
// step's recorded start and end inside the run, in order) and that each script step really did
// what it stands for.
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const jsonPatch = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;
const timed = async (run: () => Promise<unknown>) => {
  const t0 = Date.now();
  await run();
  return Date.now() - t0;
};

/** `kubectl rollout restart deployment controller && kubectl rollout status deployment controller` */
async function scriptRestart(kind: 'Deployment' | 'DaemonSet', at: string): Promise<void> {
  const { apps, namespace } = labClients();
  const body = restartPatch(at);
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

/** The restart annotation the script's patch set, as the workload's pod template now carries it. */
async function templateRestartedAt(kind: 'Deployment' | 'DaemonSet'): Promise<string | undefined> {
  const { apps, namespace } = labClients();
  const workload =
    kind === 'Deployment'
      ? await apps.readNamespacedDeployment({ name: 'controller', namespace })
      : await apps.readNamespacedDaemonSet({ name: 'speaker', namespace });
  return workload.spec?.template.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt'];
}

/** "<plural>/<name>" -> uid of every pool and advertisement. */
async function configUids(): Promise<Record<string, string>> {
  const { custom, namespace } = labClients();
  const entries: [string, string][] = [];
  for (const plural of ['ipaddresspools', 'l2advertisements', 'bgpadvertisements']) {
    const list = (await custom.listNamespacedCustomObject({
      group: 'metallb.io',
      version: 'v1beta1',
      namespace,
      plural,
    })) as {
      items: { metadata: { name: string; uid: string } }[];
    };
    for (const item of list.items) entries.push([`${plural}/${item.metadata.name}`, item.metadata.uid]);
  }
  return Object.fromEntries(entries);
}

interface HistoryEvent {
  eventType: string;
  eventTime: string;
}

// Proto JSON times carry nanoseconds; Date.parse is only specified for milliseconds.
const parseEventTime = (time: string): number => Date.parse(time.replace(/(\.\d{3})\d*Z$/, '$1Z'));

/**
 * A finished run's duration from its history (first event to the completion event), after
 * checking that every step that ran recorded a start and an end inside the run, one after another.
 */
function historyTimings(run: Finished): { ms: number; steps: string } {
  const events = (JSON.parse(run.history) as { events: HistoryEvent[] }).events;
  expect(events[0]!.eventType).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_STARTED');
  expect(events.at(-1)!.eventType).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED');
  const [startMs, endMs] = [parseEventTime(events[0]!.eventTime), parseEventTime(events.at(-1)!.eventTime)];
  const ran = run.progress.steps.filter((step) => step.startedAt !== null);
  expect(ran.length).toBeGreaterThan(0);
  let previousEnd = startMs;
  for (const step of ran) {
    expect(step.endedAt, `${step.id} has an end`).not.toBeNull();
    const [from, to] = [Date.parse(step.startedAt!), Date.parse(step.endedAt!)];
    expect(from, `${step.id} starts after the previous step ended`).toBeGreaterThanOrEqual(previousEnd);
    expect(to, `${step.id} ends after it starts`).toBeGreaterThanOrEqual(from);
    expect(to, `${step.id} ends before the run completes`).toBeLessThanOrEqual(endMs);
    previousEnd = to;
  }
  const steps = ran.map((step) => `${step.id} ${seconds(Date.parse(step.endedAt!) - Date.parse(step.startedAt!))}`);
  return { ms: endMs - startMs, steps: steps.join(', ') };
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

/**
 * Fix 4: `kubectl patch svc --type=json -p '[{"op":"remove","path":"/spec/loadBalancerIP"}]'`,
 * then `kubectl get svc -w` until an IP shows.
 */
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
    await createServedPool({
      namespace: ns,
      pool: 'tm-pool',
      addresses: ['203.0.113.0/28'],
      advertisement: 'tm-l2',
      services: ['a', 'b', 'c'],
    });
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

  it("reports each runbook's step timings from its history next to the script step it replaces", async () => {
    const ours = async (runbook: Parameters<typeof start>[1], extra = {}) => {
      const run = await finish(await start(client, runbook, extra), `timing-${runbook}`);
      expect(run.failure).toBeUndefined();
      return historyTimings(run);
    };
    const script = async (kind: 'Deployment' | 'DaemonSet') => {
      const at = new Date().toISOString();
      const ms = await timed(() => scriptRestart(kind, at));
      expect(await templateRestartedAt(kind)).toBe(at);
      return ms;
    };

    const rc = await ours('restart-controller');
    rows.push([
      'restart-controller',
      `${seconds(rc.ms)} (${rc.steps})`,
      `${seconds(await script('Deployment'))} (rollout restart + rollout status; no verification)`,
    ]);
    const rs = await ours('restart-speakers');
    rows.push([
      'restart-speakers',
      `${seconds(rs.ms)} (${rs.steps})`,
      `${seconds(await script('DaemonSet'))} (rollout restart + rollout status; no verification)`,
    ]);

    const before = await allServiceIps();
    const rr = await ours('reapply-config', { mode: 'recreate' });
    expect(await allServiceIps()).toEqual(before);
    const uidsBefore = await configUids();
    const scriptMs = await timed(scriptReapply);
    // The script re-created every object: same names, new identities.
    const uidsAfter = await configUids();
    expect(Object.keys(uidsAfter).sort()).toEqual(Object.keys(uidsBefore).sort());
    for (const [key, uid] of Object.entries(uidsAfter)) expect(uid, key).not.toBe(uidsBefore[key]);
    const moved = Object.entries(await allServiceIps())
      .filter(([k, ips]) => ips.join() !== before[k]?.join())
      .map(([k, ips]) => `${k} ${before[k]?.join() ?? '<none>'} -> ${ips.join() || '<none>'}`);
    rows.push([
      'reapply-config --recreate',
      `${seconds(rr.ms)} (${rr.steps})`,
      `${seconds(scriptMs)} (delete, sleep 10, apply; no wait for IPs; ` +
        `IPs changed: ${moved.join('; ') || 'none this time'})`,
    ]);

    await lost('lost-1');
    const co = await ours('cleanup-orphans', { services: [`${ns}/lost-1`] });
    await lost('lost-2');
    const cleanupMs = await timed(() => scriptCleanup(ns, 'lost-2'));
    expect(await serviceIps(ns, 'lost-2')).toEqual([expect.stringMatching(/^203\.0\.113\./)]);
    rows.push([
      'cleanup-orphans',
      `${seconds(co.ms)} (${co.steps})`,
      `${seconds(cleanupMs)} (patch + watch until an IP shows; no check it is in a pool)`,
    ]);
  });
});
