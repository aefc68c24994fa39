// restart-controller, restart-speakers and cleanup-orphans under every fault kind between the worker
// and the API server (fault-matrix.ts): each run succeeds with its intended result or fails with the
// cluster as it was; no healthy Service changes IP. Prints the matrix.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
import { deleteAllMetallbConfig, removeNamespace, serviceIps, startRunbookAs } from './fix-helpers.js';
import { createLoadBalancer, createServedPool, eventually, labClients, uniqueName } from './helpers.js';
import { buildPoolIndex, parsePoolAddresses } from '../../domain/addresses.js';

const restartedAt = 'kubectl.kubernetes.io/restartedAt';
const poolAddresses = ['192.0.2.0/28'];

/** The restartedAt annotation of the controller Deployment or the speaker DaemonSet. */
async function restartToken(kind: 'Deployment' | 'DaemonSet'): Promise<string | undefined> {
  const { apps, namespace } = labClients();
  const workload =
    kind === 'Deployment'
      ? await apps.readNamespacedDeployment({ name: 'controller', namespace })
      : await apps.readNamespacedDaemonSet({ name: 'speaker', namespace });
  return workload.spec?.template.metadata?.annotations?.[restartedAt];
}

function restartScenario(runbook: 'restart-controller' | 'restart-speakers', ns: () => string): Scenario {
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
function cleanupScenario(ns: () => string): Scenario {
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

describe('fix runbooks under API faults', () => {
  const ns = uniqueName('fault-fix');
  const rows: MatrixRow[] = [];
  let session: FaultSession;
  const scenarios = [
    restartScenario('restart-controller', () => ns),
    restartScenario('restart-speakers', () => ns),
    cleanupScenario(() => ns),
  ];

  beforeAll(async () => {
    await createServedPool({
      namespace: ns,
      pool: 'fm-pool',
      addresses: poolAddresses,
      advertisement: 'fm-l2',
      services: ['web', 'api'],
    });
    session = await openFaultSession();
  });
  afterAll(async () => {
    printMatrix('fix runbooks', rows);
    await session?.close();
    await removeNamespace(ns);
    await deleteAllMetallbConfig();
  });

  for (const scenario of scenarios)
    it.each(faultKinds)(`${scenario.name} under %s`, async (fault) => {
      rows.push(await runFaultCase(session, scenario, fault));
    });
});
