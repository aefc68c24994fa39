// Shared by the apply-*.test.ts files: desired objects as the loader makes them, starting an
// apply on the lab, and the cluster state an apply must leave (or give back).
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { ConfigObject, ConfigKind, PruneScope } from '../../domain/plan/types.js';
import type { ApplyChangeInput } from '../../domain/runbooks/apply.js';
import { startRunbook } from '../../client/commands/fix-start.js';
import { cluster } from './fix-helpers.js';
import { lab } from './helpers.js';

/** A desired object as `loadDesiredFiles` makes it from a file. */
export function desired(kind: ConfigKind, name: string, spec: Record<string, unknown>): ConfigObject {
  const namespace = lab().namespace;
  return {
    kind,
    apiVersion: 'metallb.io/v1beta1',
    name,
    namespace,
    labels: {},
    manifest: { apiVersion: 'metallb.io/v1beta1', kind, metadata: { name, namespace }, spec },
    source: { file: 'test.yaml', document: 0, line: 1 },
  };
}

/** What an apply test may set; the rest defaults to a plain apply with no prune and no approval. */
export interface ApplyRequest {
  desired: ConfigObject[];
  prune?: PruneScope | null;
  allowIpChanges?: boolean;
  approvalSeconds?: number;
  requestedBy?: string;
  limits?: ApplyChangeInput['limits'];
}

/** The input `metallb-runbooks apply` starts the workflow with. */
export function applyInput(request: ApplyRequest): ApplyChangeInput {
  return {
    cluster,
    requestedBy: request.requestedBy ?? 'integration-test',
    desired: request.desired,
    prune: request.prune ?? null,
    allowIpChanges: request.allowIpChanges ?? false,
    approval: request.approvalSeconds ? { timeoutSeconds: request.approvalSeconds } : null,
    ...(request.limits ? { limits: request.limits } : {}),
  };
}

/** Starts an apply under the cluster's change id; a handle bound to this run. */
export async function startApply(client: Client, request: ApplyRequest): Promise<WorkflowHandle> {
  const started = await startRunbook(client, { runbook: 'apply', input: applyInput(request) });
  return client.workflow.getHandle(started.workflowId, started.firstExecutionRunId);
}

/** The served pool of the apply tests: ap-a holds the Services' IPs, announced by ap-l2. */
export const poolA = (addresses: string[]) => desired('IPAddressPool', 'ap-a', { addresses });
export const l2 = (name: string, pools: string[]) => desired('L2Advertisement', name, { ipAddressPools: pools });

/** What a watch of every LoadBalancer Service saw during a change. */
export interface IpWatch {
  /** "ns/name a,b -> c" for every IP change seen. */
  changes: string[];
  /** Longest time (ms) any Service was seen without an IP, by Service. */
  ipLessMs: Record<string, number>;
}

/**
 * Polls every LoadBalancer Service's IPs (every 100 ms) until stopped: the IP changes and the
 * IP-less time per Service. (The lead's test/integration/ip-watch.ts replaces this at merge.)
 */
export function watchIps(read: () => Promise<Record<string, string[]>>): { stop(): Promise<IpWatch> } {
  const last = new Map<string, string>();
  const lostSince = new Map<string, number>();
  const watch: IpWatch = { changes: [], ipLessMs: {} };
  let running = true;
  const ipLess = (service: string, text: string, now: number) => {
    if (!text && !lostSince.has(service)) lostSince.set(service, now);
    if (!text || !lostSince.has(service)) return;
    watch.ipLessMs[service] = Math.max(watch.ipLessMs[service] ?? 0, now - lostSince.get(service)!);
    lostSince.delete(service);
  };
  const observe = (ips: Record<string, string[]>, now: number) => {
    for (const [service, list] of Object.entries(ips)) {
      const text = list.join(',');
      const before = last.get(service);
      if (before !== undefined && before !== text) watch.changes.push(`${service} ${before || '-'} -> ${text || '-'}`);
      last.set(service, text);
      ipLess(service, text, now);
    }
  };
  const loop = (async () => {
    while (running) {
      observe(await read().catch(() => ({})), Date.now());
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return watch;
    },
  };
}
