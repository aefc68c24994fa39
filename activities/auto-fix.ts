// Auto-fix: starts a runbook through the same start path as `fix` (the cluster's one change id, so it queues
// behind nobody and is refused while another change runs), and reads how an attempt ended.
import { WorkflowFailedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import { ChangeAlreadyRunning, startRunbook } from '../client/commands/fix-start.js';
import type { WaitLimits } from '../domain/runbooks/types.js';
import type { AutoFixAttempt, AutoFixRunbook } from '../domain/watch/types.js';

/** What the drift run asks to start. */
export interface AutoFixRequest {
  cluster: string;
  runbook: AutoFixRunbook;
  findingKey: string;
  /** cleanup-orphans: the Service the finding names (only that one is cleaned). */
  service: string | null;
  requestedBy: string;
  limits?: Partial<WaitLimits>;
}

/** The attempt started, or why none was (another change holds the cluster: try again next run). */
export interface AutoFixStart {
  attempt: AutoFixAttempt | null;
  refused: string | null;
}

/** Starts the finding's runbook; a cluster busy with another change is no attempt. */
export async function startAutoFix(client: Client, request: AutoFixRequest): Promise<AutoFixStart> {
  const base = {
    cluster: request.cluster,
    requestedBy: request.requestedBy,
    ...(request.limits ? { limits: request.limits } : {}),
  };
  const input =
    request.runbook === 'cleanup-orphans' ? { ...base, services: request.service ? [request.service] : [] } : base;
  try {
    const handle = await startRunbook(client, { runbook: request.runbook, input });
    const attempt: AutoFixAttempt = {
      findingKey: request.findingKey,
      runbook: request.runbook,
      workflowId: handle.workflowId,
      runId: handle.firstExecutionRunId,
      startedAt: new Date().toISOString(),
      outcome: 'running',
    };
    return { attempt, refused: null };
  } catch (error) {
    if (error instanceof ChangeAlreadyRunning) return { attempt: null, refused: error.message };
    throw error;
  }
}

/** How the attempt's run ended, read from Temporal (still running: unchanged). */
export async function readAutoFixOutcome(client: Client, attempt: AutoFixAttempt): Promise<AutoFixAttempt> {
  const handle = client.workflow.getHandle(attempt.workflowId, attempt.runId);
  const described = await handle.describe().catch((error: unknown) => {
    if (error instanceof WorkflowNotFoundError) return null;
    throw error;
  });
  // Gone past the namespace's retention: how it ended is unknown, so it counts as failed (no second try).
  if (!described) return { ...attempt, outcome: 'failed', failure: 'its run is no longer kept by Temporal' };
  const { status } = described;
  if (status.name === 'RUNNING') return attempt;
  if (status.name === 'COMPLETED') return { ...attempt, outcome: 'succeeded' };
  const failure = await handle.result().then(
    () => status.name.toLowerCase(),
    (error: unknown) =>
      error instanceof WorkflowFailedError ? (error.cause?.message ?? error.message) : (error as Error).message,
  );
  return { ...attempt, outcome: 'failed', failure: `${status.name.toLowerCase()}: ${failure}` };
}
