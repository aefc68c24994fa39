// The planner's swaps on the real controller: each plan for a rename, a split and a merge is applied
// step by step as planned (pins through the loadBalancerIPs annotation), and a watcher polling every
// Service records any IP it ever sees: no healthy Service may show another IP, and the steps must all be
// admitted. This checks the plan, not the apply workflow (another piece builds that).
import { describeIpLess, everyIp, watchServiceIps, type IpWatchReport } from './ip-watch.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { runPlan } from '../../client/commands/plan.js';
import type { ChangePlan, PlanStep } from '../../domain/plan/types.js';
import { pinAnnotation } from '../../domain/runbooks/pins.js';
import { buildPoolIndex, parsePoolAddresses } from '../../domain/addresses.js';
import {
  createL2Advertisement,
  createLoadBalancer,
  createNamespace,
  createPool,
  deleteAllMetallbConfig,
  eventually,
  ingressIps,
  lab,
  labClients,
  removeNamespace,
  uniqueName,
  waitForIp,
} from './helpers.js';
import { mergePatch } from './diagnose-helpers.js';

const PLURALS: Record<string, string> = {
  IPAddressPool: 'ipaddresspools',
  L2Advertisement: 'l2advertisements',
  BGPAdvertisement: 'bgpadvertisements',
  Community: 'communities',
  BFDProfile: 'bfdprofiles',
};

/** Every IP each Service of `namespace` was seen with (keyed by name). */
function ipsSeenIn(report: IpWatchReport, namespace: string): Map<string, Set<string>> {
  const prefix = `${namespace}/`;
  return new Map(
    Object.entries(report.services)
      .filter(([key]) => key.startsWith(prefix))
      .map(([key, history]) => [key.slice(prefix.length), new Set(everyIp(history))]),
  );
}

async function writeObject(step: Extract<PlanStep, { manifest: Record<string, unknown> }>): Promise<void> {
  const { custom, namespace } = labClients();
  const target = { group: 'metallb.io', version: 'v1beta1', namespace, plural: PLURALS[step.kind]! };
  if (step.action === 'create') {
    await custom.createNamespacedCustomObject({ ...target, body: step.manifest });
    return;
  }
  // The controller writes the pool's status too: a replace that loses that race (409) is read and tried again.
  for (let attempt = 1; ; attempt++) {
    const current = (await custom.getNamespacedCustomObject({ ...target, name: step.name })) as {
      metadata: Record<string, unknown>;
    };
    const body = { ...step.manifest, metadata: { ...current.metadata, ...(step.manifest.metadata as object) } };
    try {
      await custom.replaceNamespacedCustomObject({ ...target, name: step.name, body });
      return;
    } catch (error) {
      if ((error as { code?: number }).code !== 409 || attempt >= 5) throw error;
    }
  }
}

async function pin(step: Extract<PlanStep, { pins: unknown }>): Promise<void> {
  for (const entry of step.pins) {
    const value = step.action === 'pin-services' ? entry.ips.join(',') : null;
    await labClients().core.patchNamespacedService(
      { namespace: entry.namespace, name: entry.name, body: { metadata: { annotations: { [pinAnnotation]: value } } } },
      mergePatch,
    );
  }
}

/** The pool each Service's IP is allocated from, as the controller records it. */
async function allocatedFrom(namespace: string): Promise<Record<string, string | undefined>> {
  const { items } = await labClients().core.listNamespacedService({ namespace });
  return Object.fromEntries(
    items.map((s) => [s.metadata!.name!, s.metadata?.annotations?.['metallb.io/ip-allocated-from-pool']]),
  );
}

/** Address index of the IPAddressPools on the lab, as they are now. */
async function poolIndex() {
  const { custom, namespace } = labClients();
  const list = (await custom.listNamespacedCustomObject({
    group: 'metallb.io',
    version: 'v1beta1',
    namespace,
    plural: 'ipaddresspools',
  })) as { items: { metadata: { name: string }; spec: { addresses: string[] } }[] };
  return buildPoolIndex(
    list.items.map((item) => {
      const parsed = parsePoolAddresses(item.spec.addresses);
      return { name: item.metadata.name, intervals: parsed.ok ? parsed.value : [], avoidBuggyIPs: false };
    }),
  );
}

/**
 * A rest point: the controller has converged when every Service holds its old IPs again and its managed
 * annotation names a pool that contains them now (after a swap's take, that is the new pool).
 */
async function waitForConvergence(namespace: string, before: Record<string, string[]>, what: string): Promise<void> {
  await eventually(
    `every Service back on its IP, allocated from the pool that holds it, after ${what}`,
    async () => {
      const [{ items }, index] = await Promise.all([
        labClients().core.listNamespacedService({ namespace }),
        poolIndex(),
      ]);
      const settled = items.every((service) => {
        const from = service.metadata?.annotations?.['metallb.io/ip-allocated-from-pool'] ?? '';
        const ips = ingressIps(service).sort();
        const inPool = ips.length > 0 && ips.every((ip) => index.poolsContaining(ip).includes(from));
        return inPool && ips.join() === (before[service.metadata!.name!] ?? []).join();
      });
      return settled || undefined;
    },
    { timeoutMs: 30_000 },
  );
}

/** Applies the steps in order, waiting at every rest point (a step not followed immediately) as apply must. */
async function applySteps(plan: ChangePlan, namespace: string, before: Record<string, string[]>) {
  const { custom, namespace: metallb } = labClients();
  for (const [position, step] of plan.steps.entries()) {
    if ('pins' in step) await pin(step);
    else if (step.action === 'delete')
      await custom.deleteNamespacedCustomObject({
        group: 'metallb.io',
        version: 'v1beta1',
        namespace: metallb,
        plural: PLURALS[step.kind]!,
        name: step.name,
      });
    else await writeObject(step);
    if (!('followedImmediately' in step && step.followedImmediately))
      await waitForConvergence(namespace, before, `step ${position + 1} (${step.action})`);
  }
}

describe('plan swaps on the real controller', () => {
  let ns: string;
  let scratch: string;
  beforeEach(async () => {
    await deleteAllMetallbConfig();
    ns = uniqueName('swap');
    await createNamespace(ns);
    scratch = mkdtempSync(path.join(os.tmpdir(), 'plan-swap-'));
  });
  afterEach(async () => {
    await deleteAllMetallbConfig();
    await removeNamespace(ns);
    rmSync(scratch, { recursive: true, force: true });
  });

  async function servicesIn(pool: string, addresses: string[], names: string[]): Promise<Record<string, string[]>> {
    await createPool(pool, addresses);
    await createL2Advertisement('swap-l2', [pool]);
    const ips: Record<string, string[]> = {};
    for (const name of names) {
      await createLoadBalancer(ns, name);
      ips[name] = await waitForIp(ns, name);
    }
    return ips;
  }

  async function planAndApply(
    objects: object[],
    before: Record<string, string[]>,
    expectedPools: Record<string, string>,
  ) {
    const file = path.join(scratch, 'desired.yaml');
    writeFileSync(file, objects.map((o) => stringify(o)).join('---\n'));
    const { plan } = await runPlan({
      filename: [file],
      prune: true,
      all: true,
      output: 'json',
      kubeconfig: lab().kubeconfig,
    });
    expect(plan.refusals).toEqual([]);
    expect(plan.valid).toBe(true);
    const watch = await watchServiceIps(labClients().kc);
    let report: IpWatchReport | undefined;
    const started = Date.now();
    try {
      await applySteps(plan, ns, before);
      expect(await allocatedFrom(ns)).toEqual(expectedPools);
    } catch (error) {
      const { items } = await labClients().core.listNamespacedService({ namespace: ns });
      const state = items.map((s) => [s.metadata?.name, s.metadata?.annotations, ingressIps(s)]);
      throw new Error(
        `${(error as Error).message}; steps ${JSON.stringify(plan.steps)}; services ${JSON.stringify(state)}`,
        { cause: error },
      );
    } finally {
      report = await watch.stop();
    }
    const ipless = describeIpLess(report).replaceAll('\n', '; ');
    console.log(`swap applied in ${Date.now() - started} ms (${plan.steps.length} steps); ${ipless}`);
    return { plan, seen: ipsSeenIn(report, ns) };
  }

  const poolDoc = (name: string, addresses: string[]) => ({
    apiVersion: 'metallb.io/v1beta1',
    kind: 'IPAddressPool',
    metadata: { name },
    spec: { addresses },
  });
  const l2Doc = (pools: string[]) => ({
    apiVersion: 'metallb.io/v1beta1',
    kind: 'L2Advertisement',
    metadata: { name: 'swap-l2' },
    spec: { ipAddressPools: pools },
  });
  const onlyIps = (seen: Map<string, Set<string>>) => Object.fromEntries([...seen].map(([k, v]) => [k, [...v].sort()]));

  it('rename: every Service keeps its IP through pin, delete + create, unpin', async () => {
    const before = await servicesIn('swap-old', ['192.0.2.0/28'], ['a', 'b']);
    const { seen } = await planAndApply([poolDoc('swap-new', ['192.0.2.0/28']), l2Doc(['swap-new'])], before, {
      a: 'swap-new',
      b: 'swap-new',
    });
    expect(onlyIps(seen)).toEqual(before);
  });

  it('split: the Services in the split-off part keep their IPs in the new pool', async () => {
    const before = await servicesIn('swap-all', ['192.0.2.0/28'], ['a', 'b', 'c']);
    const upper = poolDoc('swap-hi', ['192.0.2.0/30']);
    const { seen, plan } = await planAndApply(
      [poolDoc('swap-all', ['192.0.2.4/30', '192.0.2.8/29']), upper, l2Doc(['swap-all', 'swap-hi'])],
      before,
      { a: 'swap-hi', b: 'swap-hi', c: 'swap-hi' },
    );
    expect(plan.steps.some((step) => step.action === 'pin-services')).toBe(true);
    expect(onlyIps(seen)).toEqual(before);
  });

  it('merge: the Service of the deleted pool keeps its IP in the widened one', async () => {
    // One at a time: MetalLB picks among open pools in no fixed order.
    await createPool('swap-lo', ['192.0.2.0/32']);
    await createL2Advertisement('swap-l2', ['swap-lo', 'swap-hi']);
    await createLoadBalancer(ns, 'a');
    const before: Record<string, string[]> = { a: await waitForIp(ns, 'a') };
    await createPool('swap-hi', ['192.0.2.8/29']);
    await createLoadBalancer(ns, 'b');
    before['b'] = await waitForIp(ns, 'b');
    expect(await allocatedFrom(ns)).toEqual({ a: 'swap-lo', b: 'swap-hi' });
    const { seen, plan } = await planAndApply([poolDoc('swap-lo', ['192.0.2.0/28']), l2Doc(['swap-lo'])], before, {
      a: 'swap-lo',
      b: 'swap-lo',
    });
    expect(plan.steps.map((step) => step.action)).toContain('pin-services');
    expect(onlyIps(seen)).toEqual(before);
  });
});
