// reapply-config (in place and --recreate) and apply (a pool rename; a narrow with
// --allow-ip-changes) under every fault kind between the worker and the API server (fault-matrix.ts):
// each run succeeds with its intended result or fails with the cluster as backed up; no healthy
// Service changes IP. Prints the matrix.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@temporalio/client';
import { startRunbook } from '../../client/commands/fix-start.js';
import { mergePatch } from '../../kube/apis.js';
import { buildPoolIndex, parsePoolAddresses } from '../../domain/addresses.js';
import type { ApplyResult } from '../../domain/runbooks/apply.js';
import { faultKinds } from './fault-rules.js';
import {
  clusterState,
  openFaultSession,
  printMatrix,
  runFaultCase,
  type FaultSession,
  type MatrixRow,
  type Scenario,
} from './fault-matrix.js';
import { applyInput, desired, l2, type ApplyRequest } from './apply-helpers.js';
import {
  allServiceIps,
  configSpecs,
  deleteAllMetallbConfig,
  leftoverPins,
  removeNamespace,
  startRunbookAs,
} from './fix-helpers.js';
import { createServedPool, labClients, uniqueName } from './helpers.js';

const served = ['192.0.2.0/29'];
const halves = ['192.0.2.0/30', '192.0.2.4/30'];

async function startApplyOn(client: Client, cluster: string, request: ApplyRequest) {
  const started = await startRunbook(client, { runbook: 'apply', input: { ...applyInput(request), cluster } });
  return client.workflow.getHandle(started.workflowId, started.firstExecutionRunId);
}

function reapplyScenario(mode: 'in-place' | 'recreate', ns: () => string): Scenario {
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

function renameScenario(ns: () => string): Scenario {
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
function narrowScenario(ns: () => string): Scenario {
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

describe('config runbooks and apply under API faults', () => {
  const ns = uniqueName('fault-config');
  const rows: MatrixRow[] = [];
  let session: FaultSession;
  const scenarios = [
    reapplyScenario('in-place', () => ns),
    reapplyScenario('recreate', () => ns),
    renameScenario(() => ns),
    narrowScenario(() => ns),
  ];

  beforeAll(async () => {
    await createServedPool({
      namespace: ns,
      pool: 'fm-a',
      addresses: served,
      advertisement: 'fm-l2',
      services: ['web', 'api'],
    });
    session = await openFaultSession();
  });
  afterAll(async () => {
    printMatrix('reapply-config and apply', rows);
    await session?.close();
    await removeNamespace(ns);
    await deleteAllMetallbConfig();
  });

  for (const scenario of scenarios)
    it.each(faultKinds)(`${scenario.name} under %s`, async (fault) => {
      rows.push(await runFaultCase(session, scenario, fault));
    });
});
