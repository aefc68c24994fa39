// Starting a runbook: one mutating workflow per cluster, refused (or queued) while another runs.
import {
  WorkflowExecutionAlreadyStartedError,
  type Client,
  type WorkflowHandle,
  type WorkflowHandleWithFirstExecutionRunId,
} from '@temporalio/client';
import { changeSearchAttributeKeys } from '../../domain/audit/search-attribute-keys.js';
import { changeWorkflowId, changeWorkflowTypes, taskQueueFor, type ChangeName } from '../../domain/runbooks/names.js';
import type { RunbookInput } from '../../domain/runbooks/types.js';
import { UsageError } from '../usage-error.js';

/** The keyword search attributes every change workflow is indexed by from its start. */
export const searchAttributes = changeSearchAttributeKeys;

/** Which runbook to start, with its input. */
export interface StartRequest {
  runbook: ChangeName;
  input: RunbookInput;
  /** Temporal ends the run after this long (workflowExecutionTimeout), so an orphaned run cannot hold the cluster. */
  executionTimeoutSeconds?: number;
}

/** `fix --timeout`'s default: far longer than any runbook's own deadlines add up to. */
export const defaultExecutionTimeoutSeconds = 3600;

/** A worker that polled this recently is taken as running (an idle worker re-polls within about a minute). */
const livePollerAgeMs = 120_000;

/** Task queue kind NORMAL and type WORKFLOW (temporal.api.enums.v1), as DescribeTaskQueue takes them. */
const normalTaskQueueKind = 1;
const workflowTaskQueueType = 1;

/**
 * Refuses (exit 2) when no worker polls `taskQueue`: a workflow started there would wait forever and hold the
 * cluster's one change slot. Temporal lists pollers for minutes after they stop, so only recent polls count.
 */
export async function requireWorkerPolling(client: Client, taskQueue: string, workerCommand: string): Promise<void> {
  const { pollers } = await client.workflowService.describeTaskQueue({
    namespace: client.options.namespace,
    taskQueue: { name: taskQueue, kind: normalTaskQueueKind },
    taskQueueType: workflowTaskQueueType,
  });
  const now = Date.now();
  const live = (pollers ?? []).filter((poller) => {
    const seconds = Number(poller.lastAccessTime?.seconds ?? 0);
    return now - seconds * 1000 < livePollerAgeMs;
  });
  if (live.length === 0)
    throw new UsageError(
      `refused: no worker polls task queue ${taskQueue}, so nothing would run this fix; start one: ${workerCommand}`,
    );
}

/** The change that holds a cluster, as its memo describes it. */
export interface RunningChange {
  workflowId: string;
  runId: string;
  runbook: string;
  requestedBy: string;
  startedAt: string;
}

/** How long a started run may wait for a worker to take its first task before the CLI ends it (exit 2). */
export const defaultPickupTimeoutMs = 20_000;
const pendingWorkflowTaskStarted = 2;

/** A worker took the run's first workflow task (or the run already ended). */
async function pickedUp(handle: WorkflowHandle): Promise<boolean> {
  const description = await handle.describe();
  if (description.status.name !== 'RUNNING' || description.historyLength > 2) return true;
  return Number(description.raw.pendingWorkflowTask?.state) === pendingWorkflowTaskStarted;
}

/**
 * The poller check cannot tell a worker that stopped a minute ago from an idle one, so the run itself must be
 * taken up: if no worker starts its first task within `timeoutMs`, terminate it (nothing has run on the cluster),
 * free the cluster's change slot and refuse (exit 2).
 */
export async function requirePickup(
  handle: WorkflowHandle,
  workerCommand: string,
  timeoutMs = defaultPickupTimeoutMs,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await pickedUp(handle))) {
    if (Date.now() > deadline) {
      const reason = `no worker took this run up within ${timeoutMs / 1000}s`;
      await handle.terminate(reason);
      throw new UsageError(`refused: ${reason} (ended it; nothing was changed); start one: ${workerCommand}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** A change is already running on this cluster; the message names it. Exit code 3. */
export class ChangeAlreadyRunning extends Error {
  readonly exitCode = 3;
  constructor(
    readonly running: RunningChange,
    cluster: string,
  ) {
    super(
      `refused: cluster ${cluster} already has a change running: ${running.runbook} ` +
        `requested by ${running.requestedBy} at ${running.startedAt} ` +
        `(workflow ${running.workflowId}, run ${running.runId}); wait for it with --wait`,
    );
  }
}

/** Reads who started the running change on `workflowId`, and when. */
export async function describeRunning(client: Client, workflowId: string): Promise<RunningChange> {
  const d = await client.workflow.getHandle(workflowId).describe();
  const memo = (d.memo ?? {}) as Partial<Record<'runbook' | 'requestedBy' | 'startedAt', string>>;
  return {
    workflowId,
    runId: d.runId,
    runbook: memo.runbook ?? d.type,
    requestedBy: memo.requestedBy ?? 'unknown',
    startedAt: memo.startedAt ?? d.startTime.toISOString(),
  };
}

/** Starts the runbook's workflow under the cluster's one change id; refused while another change runs. */
export async function startRunbook(
  client: Client,
  { runbook, input, executionTimeoutSeconds = defaultExecutionTimeoutSeconds }: StartRequest,
): Promise<WorkflowHandleWithFirstExecutionRunId> {
  const workflowId = changeWorkflowId(input.cluster);
  try {
    return await client.workflow.start(changeWorkflowTypes[runbook], {
      taskQueue: taskQueueFor(input.cluster),
      workflowId,
      workflowIdConflictPolicy: 'FAIL',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      args: [input],
      workflowExecutionTimeout: executionTimeoutSeconds * 1000,
      memo: { runbook, requestedBy: input.requestedBy, startedAt: new Date().toISOString() },
      typedSearchAttributes: [
        { key: searchAttributes.cluster, value: input.cluster },
        { key: searchAttributes.runbook, value: runbook },
        { key: searchAttributes.requestedBy, value: input.requestedBy },
      ],
    });
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError)
      throw new ChangeAlreadyRunning(await describeRunning(client, workflowId), input.cluster);
    throw error;
  }
}

/** `--wait`: queue behind the running change (whatever its outcome), then start. */
export async function startWhenFree(
  client: Client,
  request: StartRequest,
  onWait: (running: RunningChange) => void,
): Promise<WorkflowHandleWithFirstExecutionRunId> {
  for (;;) {
    try {
      return await startRunbook(client, request);
    } catch (error) {
      if (!(error instanceof ChangeAlreadyRunning)) throw error;
      onWait(error.running);
      await client.workflow
        .getHandle(error.running.workflowId, error.running.runId)
        .result()
        .catch(() => undefined);
    }
  }
}
