// The mutating workflows as the fault matrix and the crash tests run them: how each is prepared,
// started (on the cluster given: the proxied one), and what a run that succeeded must have left.
import { expect } from 'vitest';
import type { Client } from '@temporalio/client';
import { startRunbook } from '../../client/commands/fix-start.js';
import { mergePatch } from '../../kube/apis.js';
import { buildPoolIndex, parsePoolAddresses } from '../../domain/addresses.js';
import type { ApplyResult } from '../../domain/runbooks/apply.js';
import { clusterState, type Scenario } from './fault-matrix.js';
import { applyInput, desired, l2, type ApplyRequest } from './apply-helpers.js';
import { allServiceIps, configSpecs, leftoverPins, serviceIps, startRunbookAs } from './fix-helpers.js';
import { createLoadBalancer, eventually, labClients, uniqueName } from './helpers.js';

const restartedAt = 'kubectl.kubernetes.io/restartedAt';
/** The pool of the fix scenarios (fm-pool); the config scenarios serve fm-a or fm-b from `served`. */
export const poolAddresses = ['192.0.2.0/28'];

/** The restartedAt annotation of the controller Deployment or the speaker DaemonSet. */
async function restartToken(kind: 'Deployment' | 'DaemonSet'): Promise<string | undefined> {
  const { apps, namespace } = labClients();
  const workload =
    kind === 'Deployment'
      ? await apps.readNamespacedDeployment({ name: 'controller', namespace })
      : await apps.readNamespacedDaemonSet({ name: 'speaker', namespace });
  return workload.spec?.template.metadata?.annotations?.[restartedAt];
}

export function restartScenario(runbook: 'restart-controller' | 'restart-speakers', ns: () => string): Scenario {
  const kind = runbook === 'restart-controller' ? 'Deployment' : 'DaemonSet';
  return {
    name: runbook,
    prepare: async () => undefined,
    start: (client, cluster) => startRunbookAs(client, runbook, 'fault-matrix', { cluster }),
    allowedToMove: () => [],
    namespace: ns,
    async expectSucceeded(run, before) {
      expect(run.result!.summary).toMatch(new RegExp(`^restarted ${kind} `));
      const token = await restartToken(kind);
      expect(run.progress.steps.find((step) => step.id === 'restart')?.detail).toContain(`restartedAt=${token}`);
      expect((await clusterState()).ips).toEqual(before.ips);
    },
  };
}

/** An orphan per case: a Service asking for an IP no pool holds; cleaned, it gets one from the pool. */
export function cleanupScenario(ns: () => string): Scenario {
  let orphan = '';
  return {
    name: 'cleanup-orphans',
    async prepare() {
      orphan = uniqueName('orphan');
      await createLoadBalancer(ns(), orphan, {
        spec: { type: 'LoadBalancer', loadBalancerIP: '198.51.100.7', ports: [{ port: 80, protocol: 'TCP' }] },
      });
    },
    start: (client, cluster) => startRunbookAs(client, 'cleanup-orphans', 'fault-matrix', { cluster, services: [] }),
    allowedToMove: () => [`${ns()}/${orphan}`],
    namespace: ns,
    async expectSucceeded(run) {
      expect(run.result!.summary).toMatch(/^cleaned 1 orphaned Service/);
      const service = await labClients().core.readNamespacedService({ namespace: ns(), name: orphan });
      expect(service.spec?.loadBalancerIP ?? '').toBe('');
      const parsed = parsePoolAddresses(poolAddresses);
      const intervals = parsed.ok ? parsed.value : [];
      const index = buildPoolIndex([{ name: 'fm-pool', intervals, avoidBuggyIPs: false }]);
      const ips = await eventually('the cleaned orphan to hold an IP', async () => {
        const held = await serviceIps(ns(), orphan);
        return held.length ? held : undefined;
      });
      expect(index.poolsContaining(ips[0]!)).toEqual(['fm-pool']);
    },
  };
}

export const served = ['192.0.2.0/29'];
const halves = ['192.0.2.0/30', '192.0.2.4/30'];

async function startApplyOn(client: Client, cluster: string, request: ApplyRequest) {
  const started = await startRunbook(client, { runbook: 'apply', input: { ...applyInput(request), cluster } });
  return client.workflow.getHandle(started.workflowId, started.firstExecutionRunId);
}

export function reapplyScenario(mode: 'in-place' | 'recreate', ns: () => string): Scenario {
  return {
    name: `reapply-config ${mode}`,
    prepare: async () => undefined,
    start: (client, cluster) => startRunbookAs(client, 'reapply-config', 'fault-matrix', { cluster, mode }),
    allowedToMove: () => [],
    namespace: ns,
    async expectSucceeded(run, before) {
      expect(run.result!.summary).toMatch(mode === 'recreate' ? /^re-created \d+ MetalLB object/ : /./);
      const now = await clusterState();
      expect(now).toEqual(before);
      expect(await leftoverPins(ns())).toEqual([]);
    },
  };
}

/** The pool's current name: the rename scenario alternates between two. */
async function poolNames(): Promise<string[]> {
  return Object.keys(await configSpecs())
    .filter((key) => key.startsWith('ipaddresspools/'))
    .map((key) => key.slice('ipaddresspools/'.length));
}

export function renameScenario(ns: () => string): Scenario {
  let target = '';
  return {
    name: 'apply rename pool',
    async prepare() {
      target = (await poolNames()).includes('fm-a') ? 'fm-b' : 'fm-a';
    },
    start: (client, cluster) =>
      startApplyOn(client, cluster, {
        desired: [desired('IPAddressPool', target, { addresses: served }), l2('fm-l2', [target])],
        prune: { all: true },
      }),
    allowedToMove: () => [],
    namespace: ns,
    async expectSucceeded(run, before) {
      expect((run.result as ApplyResult).steps.map((step) => step.action)).toEqual(
        expect.arrayContaining(['delete', 'create']),
      );
      expect(await poolNames()).toEqual([target]);
      expect((await configSpecs())['l2advertisements/fm-l2']?.spec).toEqual({ ipAddressPools: [target] });
      expect(await allServiceIps()).toEqual(before.ips);
      expect(await leftoverPins(ns())).toEqual([]);
    },
  };
}

const inRange = (addresses: string[], ip: string): boolean => {
  const parsed = parsePoolAddresses(addresses);
  const index = buildPoolIndex([{ name: 'p', intervals: parsed.ok ? parsed.value : [], avoidBuggyIPs: false }]);
  return index.poolsContaining(ip).length > 0;
};

/** Widens the pool back to the /29 (no IP moves), then the run narrows it to the half its Services are not in. */
export function narrowScenario(ns: () => string): Scenario {
  let half = halves[0]!;
  const services = () => [`${ns()}/web`, `${ns()}/api`];
  return {
    name: 'apply narrow --allow-ip-changes',
    async prepare() {
      const pool = (await poolNames())[0]!;
      const { custom, namespace } = labClients();
      const body = { spec: { addresses: served } };
      const params = { group: 'metallb.io', version: 'v1beta1', namespace, plural: 'ipaddresspools', name: pool };
      await custom.patchNamespacedCustomObject({ ...params, body }, mergePatch);
      const held = (await allServiceIps())[services()[0]!]?.[0] ?? '';
      half = inRange([halves[0]!], held) ? halves[1]! : halves[0]!;
    },
    async start(client, cluster) {
      const pool = (await poolNames())[0]!;
      return startApplyOn(client, cluster, {
        desired: [desired('IPAddressPool', pool, { addresses: [half] }), l2('fm-l2', [pool])],
        allowIpChanges: true,
      });
    },
    allowedToMove: services,
    namespace: ns,
    async expectSucceeded() {
      const pool = (await poolNames())[0]!;
      expect((await configSpecs())[`ipaddresspools/${pool}`]?.spec).toMatchObject({ addresses: [half] });
      const ips = await allServiceIps();
      for (const service of services()) expect(inRange([half], ips[service]![0]!), service).toBe(true);
      expect(await leftoverPins(ns())).toEqual([]);
    },
  };
}
