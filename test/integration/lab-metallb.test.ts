import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { get } from 'node:https';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import path from 'node:path';
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
  serviceEvents,
  uniqueName,
  waitWebhookServing,
} from './helpers.js';
import { classifyKubeError } from '../../domain/kube-errors.js';
import { readControllerState } from '../../lab/record.js';
import { restartPatch } from '../../domain/rollout.js';
import { mergePatch } from '../../kube/apis.js';
import { buildPoolIndex, parsePoolAddresses } from '../../domain/addresses.js';
import { parseMetallbLog } from '../../domain/metallb-logs.js';

const fixturesDir = path.resolve(import.meta.dirname, '../fixtures/metallb-v0.16');
const recordFixtures = process.env.RECORD_FIXTURES === '1';

function inPool(ip: string, addresses: string[]): boolean {
  const parsed = parsePoolAddresses(addresses);
  if (!parsed.ok) throw new Error(parsed.error);
  return buildPoolIndex([{ name: 'p', intervals: parsed.value, avoidBuggyIPs: false }]).poolsContaining(ip).length > 0;
}

async function controllerLog(sinceSeconds?: number): Promise<string> {
  const { core, namespace } = labClients();
  const pods = await core.listNamespacedPod({ namespace, labelSelector: 'app=metallb,component=controller' });
  const pod = pods.items.find((p) => !p.metadata?.deletionTimestamp);
  if (!pod?.metadata?.name) throw new Error('no controller pod');
  return core.readNamespacedPodLog({
    name: pod.metadata.name,
    namespace,
    container: 'controller',
    ...(sinceSeconds ? { sinceSeconds } : {}),
  });
}

describe('the lab runs the real MetalLB controller', () => {
  const ns = uniqueName('lab-assign');
  const pool = uniqueName('pool');

  beforeAll(async () => {
    await deleteAllMetallbConfig();
    await createNamespace(ns);
  });
  afterAll(async () => {
    await removeNamespace(ns);
    await deleteAllMetallbConfig();
  });

  it('assigns an IP from a new pool to a LoadBalancer Service within 10 s', async () => {
    await createPool(pool, ['192.0.2.0/28']);
    await createL2Advertisement(uniqueName('l2'), [pool]);
    const created = Date.now();
    await createLoadBalancer(ns, 'web');
    const svc = await eventually(
      'an ingress IP on web',
      async () => {
        const s = await labClients().core.readNamespacedService({ namespace: ns, name: 'web' });
        return ingressIps(s).length ? s : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 100 },
    );
    expect(Date.now() - created).toBeLessThan(10_000);
    const [ip] = ingressIps(svc);
    expect(inPool(ip!, ['192.0.2.0/28'])).toBe(true);
    expect(svc.metadata?.annotations?.['metallb.io/ip-allocated-from-pool']).toBe(pool);
  });

  it('reads the real controller JSON log lines through the Kubernetes API', async () => {
    const text = await controllerLog();
    const lines = parseMetallbLog(text, 'controller');
    const json = lines.filter((l) => l.kind === 'json');
    // MetalLB's own go-kit lines carry caller + level + ts; controller-runtime's zap lines (stderr) carry level + msg.
    const goKit = json.filter((l) => typeof l.fields.caller === 'string');
    expect(goKit.length).toBeGreaterThan(5);
    expect(json.every((l) => l.level !== null && l.time !== null)).toBe(true);
    expect(goKit.some((l) => l.cause === 'ip-allocated' && l.fields.controller === undefined)).toBe(true);
    expect(goKit.some((l) => l.fields.controller === 'PoolReconciler')).toBe(true);
    // Go's net/http logs a connection that closed before its TLS handshake (a webhook call the API server
    // gave up on while a test had the controller SIGSTOPped): plain text, as in a cluster.
    const abandonedTls = /^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d http: TLS handshake error from 127\.0\.0\.1:\d+: EOF$/;
    expect(lines.filter((l) => l.kind === 'unparsed' && !abandonedTls.test(l.raw))).toEqual([]);
  });

  it('clears and reassigns (or fails to allocate) when the pool shrinks away from the IP (v0.16 behaviour)', async () => {
    const { core, custom, namespace } = labClients();
    const before = ingressIps(await core.readNamespacedService({ namespace: ns, name: 'web' }))[0]!;
    // A second Service takes the next address so shrinking the pool to one address strands "web".
    await createLoadBalancer(ns, 'api');
    const apiIp = ingressIps(
      await eventually('an IP on api', async () => {
        const s = await core.readNamespacedService({ namespace: ns, name: 'api' });
        return ingressIps(s).length ? s : undefined;
      }),
    )[0]!;
    const keep = apiIp; // shrink the pool to exactly api's address: web's IP falls outside it
    await custom.patchNamespacedCustomObject(
      {
        group: 'metallb.io',
        version: 'v1beta1',
        namespace,
        plural: 'ipaddresspools',
        name: pool,
        body: { spec: { addresses: [`${keep}/32`] } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const events = await eventually('ClearAssignment and then AllocationFailed on web', async () => {
      const evs = await serviceEvents(ns, 'web');
      const reasons = evs.map((e) => e.reason);
      return reasons.includes('ClearAssignment') && reasons.includes('AllocationFailed') ? evs : undefined;
    });
    const web = await core.readNamespacedService({ namespace: ns, name: 'web' });
    expect(ingressIps(web)).toEqual([]);
    expect(web.metadata?.annotations?.['metallb.io/ip-allocated-from-pool']).toBeUndefined();
    const clear = events.find((e) => e.reason === 'ClearAssignment')!;
    expect(clear.message).toContain(`current IP for "${ns}/web" not allowed by config`);
    expect(clear.message).toContain(before);
    const failed = events.find((e) => e.reason === 'AllocationFailed')!;
    expect(failed.type).toBe('Warning');
    expect(failed.message).toMatch(/no available IPs/);
    // api keeps its address: the shrink did not touch a Service whose IP is still in the pool.
    expect(ingressIps(await core.readNamespacedService({ namespace: ns, name: 'api' }))).toEqual([apiIp]);

    const log = parseMetallbLog(await controllerLog(120), 'controller');
    expect(log.some((l) => l.cause === 'ip-cleared' && String(l.fields.error).includes(before))).toBe(true);
    expect(log.some((l) => l.cause === 'allocation-failure')).toBe(true);
    if (recordFixtures) {
      mkdirSync(fixturesDir, { recursive: true });
      writeFileSync(path.join(fixturesDir, 'pool-shrunk.controller.log'), log.map((l) => l.raw).join('\n') + '\n');
      const slim = events.map((e) => ({
        type: e.type,
        reason: e.reason,
        message: e.message,
        source: e.source,
        reportingComponent: e.reportingComponent,
      }));
      writeFileSync(path.join(fixturesDir, 'pool-shrunk.events.json'), JSON.stringify(slim, null, 2) + '\n');
    }
  });
});

/** The pools on the lab, by name and spec (what a dry run must leave unchanged). */
async function storedPools(): Promise<{ name: string; addresses: unknown }[]> {
  const { custom, namespace } = labClients();
  const list = (await custom.listNamespacedCustomObject({
    group: 'metallb.io',
    version: 'v1beta1',
    namespace,
    plural: 'ipaddresspools',
  })) as { items: { metadata: { name: string }; spec: { addresses: unknown } }[] };
  return list.items.map((item) => ({ name: item.metadata.name, addresses: item.spec.addresses })).sort();
}

/** Creates a pool (server-side dry run when asked) and returns the API server's error message, or 'created'. */
async function tryCreatePool(name: string, addresses: string[], dryRun: boolean): Promise<string> {
  const { custom, namespace } = labClients();
  try {
    await custom.createNamespacedCustomObject({
      group: 'metallb.io',
      version: 'v1beta1',
      namespace,
      plural: 'ipaddresspools',
      body: { apiVersion: 'metallb.io/v1beta1', kind: 'IPAddressPool', metadata: { name }, spec: { addresses } },
      ...(dryRun ? { dryRun: 'All' } : {}),
    });
    return 'created';
  } catch (error) {
    return classifyKubeError(error).message;
  }
}

describe("the lab serves MetalLB's real validating webhook", () => {
  beforeAll(async () => {
    await deleteAllMetallbConfig();
  });
  afterAll(async () => {
    await deleteAllMetallbConfig();
  });

  it("denies dry runs of an overlapping pool and of a bare IP with the webhook's message; stores nothing", async () => {
    expect(lab().webhook).not.toBeNull();
    await createPool('webhook-base', ['198.51.100.0/26']);
    const before = await storedPools();

    const overlap = await tryCreatePool('webhook-overlap', ['198.51.100.32/27'], true);
    expect(overlap).toBe(
      'admission webhook "ipaddresspoolvalidationwebhook.metallb.io" denied the request: ' +
        'CIDR "198.51.100.32/27" in pool "webhook-overlap" overlaps with already defined CIDR "198.51.100.0/26"',
    );
    const bare = await tryCreatePool('webhook-bare', ['203.0.113.77'], true);
    expect(bare).toBe(
      'admission webhook "ipaddresspoolvalidationwebhook.metallb.io" denied the request: ' +
        'parsing address pool webhook-bare: ' +
        'invalid CIDR "203.0.113.77" in pool "webhook-bare": invalid CIDR "203.0.113.77"',
    );
    // A valid dry run is admitted and not stored either.
    expect(await tryCreatePool('webhook-valid', ['203.0.113.0/28'], true)).toBe('created');
    expect(await storedPools()).toEqual(before);
  });

  it('fails creates with "failed calling webhook" while the controller restarts, admits them once back', async () => {
    const { apps, namespace } = labClients();
    const before = readControllerState(lab().stateDir)!;
    await apps.patchNamespacedDeployment(
      { name: 'controller', namespace, body: restartPatch(`webhook-test-${Date.now()}`) },
      mergePatch,
    );
    let attempt = 0;
    const next = () => `webhook-restart-${(attempt += 1)}`;
    // Observed, no sleeps: keep creating until one fails for want of the webhook...
    const failure = await eventually(
      'a create to fail while the old controller is gone',
      async () => {
        const result = await tryCreatePool(next(), [`198.51.100.${64 + (attempt % 16) * 4}/30`], true);
        return result.includes('failed calling webhook') ? result : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 20 },
    );
    console.log(`[webhook] during the restart: ${failure}`);
    expect(failure).toMatch(/failed calling webhook "ipaddresspoolvalidationwebhook\.metallb\.io"/);
    // ...then until the new controller admits one, for real this time.
    const name = uniqueName('after-restart');
    await eventually(
      'a create to be admitted by the new controller',
      async () => ((await tryCreatePool(name, ['198.51.100.128/28'], false)) === 'created' ? true : undefined),
      { timeoutMs: 60_000, intervalMs: 100 },
    );
    const after = await eventually('controller.json to name the new controller', () => {
      const state = readControllerState(lab().stateDir);
      return state?.running && state.pid !== before.pid ? state : undefined;
    });
    expect(after.podName).not.toBe(before.podName);
    expect((await storedPools()).map((pool) => pool.name)).toContain(name);
    await waitWebhookServing();
  });
});

/** GET over HTTPS without verifying the (self-signed) certificate: status and body. */
function httpsGet(url: string, token: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = get(url, { rejectUnauthorized: false, headers: { authorization: `Bearer ${token}` } }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += String(chunk)));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    request.on('error', reject);
  });
}

/** TCP ports in LISTEN state in this (the host's) network namespace. */
function hostListeningPorts(): Set<number> {
  const rows = ['/proc/net/tcp', '/proc/net/tcp6'].flatMap((file) =>
    readFileSync(file, 'utf8').trim().split('\n').slice(1),
  );
  return new Set(
    rows
      .map((row) => row.trim().split(/\s+/))
      .filter((fields) => fields[3] === '0A')
      .map((fields) => parseInt(fields[1]!.split(':').pop()!, 16)),
  );
}

describe("the controller runs in its own network namespace, reached through the lab's ports", () => {
  it('serves /readyz and authenticated metrics on the lab ports; nothing on the host listens on 9443', async () => {
    const record = lab();
    const metricsForward = record.metallbIsolation!.hostForwards.find(
      (forward) => 'socket' in forward.target && forward.target.socket.endsWith('metrics.sock'),
    )!;
    const metricsPort = (metricsForward.listen as { port: number }).port;
    const token = labClients().kc.getCurrentUser()!.token!;
    const metrics = await httpsGet(`https://127.0.0.1:${metricsPort}/metrics`, token);
    expect(metrics.status).toBe(200);
    expect(metrics.body).toMatch(/^metallb_/m);
    const ready = await fetch(record.metallbHealthUrl!);
    expect(ready.status).toBe(200);
    const listening = hostListeningPorts();
    expect(listening.has(record.webhook!.port)).toBe(true);
    expect(listening.has(9443), 'a process on the host listens on 9443').toBe(false);
  });
});
