// Shared by the apply-*.test.ts files: desired objects as the loader makes them, starting an
// apply on the lab, and the cluster state an apply must leave (or give back).
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { ConfigObject, ConfigKind, PruneScope } from '../../domain/plan/types.js';
import type { ApplyChangeInput } from '../../domain/runbooks/apply.js';
import { startRunbook } from '../../client/commands/fix-start.js';
import { expect } from 'vitest';
import { cluster, finish, type Finished } from './fix-helpers.js';
import { lab, labClients } from './helpers.js';
import { describeIpLess, ipChanges, watchServiceIps } from './ip-watch.js';

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

/**
 * Runs one change to its end while watching every LoadBalancer Service: prints the IP-less time,
 * asserts that no Service changed IP but those allowed to move.
 */
export async function finishWatched(
  started: () => Promise<WorkflowHandle>,
  history: string,
  allowedToMove: readonly string[] = [],
): Promise<Finished> {
  const watch = await watchServiceIps(labClients().kc);
  const run = await finish(await started(), history);
  const seen = await watch.stop();
  console.log(`[ip-watch] ${history}: ${describeIpLess(seen).replaceAll('\n', '; ')}`);
  expect(ipChanges(seen, allowedToMove)).toEqual({});
  return run;
}
