// Starting a runbook: one mutating workflow per cluster, refused (or queued) while another runs.
import {
  WorkflowExecutionAlreadyStartedError,
  type Client,
  type WorkflowHandleWithFirstExecutionRunId,
} from '@temporalio/client';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { changeWorkflowId, taskQueueFor, workflowTypes, type RunbookName } from '../../domain/runbooks/names.js';
import type { RunbookInput } from '../../domain/runbooks/types.js';

export const searchAttributes = {
  cluster: defineSearchAttributeKey('MetallbCluster', SearchAttributeType.KEYWORD),
  runbook: defineSearchAttributeKey('MetallbRunbook', SearchAttributeType.KEYWORD),
  requestedBy: defineSearchAttributeKey('MetallbRequestedBy', SearchAttributeType.KEYWORD),
};

export interface StartRequest {
  runbook: RunbookName;
  input: RunbookInput;
}

export interface RunningChange {
  workflowId: string;
  runId: string;
  runbook: string;
  requestedBy: string;
  startedAt: string;
}

/** A change is already running on this cluster; the message names it. Exit code 3. */
export class ChangeAlreadyRunning extends Error {
  readonly exitCode = 3;
  constructor(
    readonly running: RunningChange,
    cluster: string,
  ) {
    super(
      `refused: cluster ${cluster} already has a change running: ${running.runbook} requested by ${running.requestedBy} at ${running.startedAt} ` +
        `(workflow ${running.workflowId}, run ${running.runId}); wait for it with --wait`,
    );
  }
}

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

export async function startRunbook(
  client: Client,
  { runbook, input }: StartRequest,
): Promise<WorkflowHandleWithFirstExecutionRunId> {
  const workflowId = changeWorkflowId(input.cluster);
  try {
    return await client.workflow.start(workflowTypes[runbook], {
      taskQueue: taskQueueFor(input.cluster),
      workflowId,
      workflowIdConflictPolicy: 'FAIL',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      args: [input],
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
