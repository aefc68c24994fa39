// approve / reject an apply at its approval gate. The workflow's update validator refuses a
// decision it cannot take (the requester approving, a run not waiting): one line, exit 2.
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import type { PlannedChange } from '../../domain/runbooks/apply.js';
import type { RunbookProgress } from '../../domain/runbooks/progress.js';
import { stepTarget } from '../../domain/runbooks/apply.js';
import { approveUpdate, planQuery, progressQuery, rejectUpdate } from '../../workflows/messages.js';
import { UsageError } from '../usage-error.js';
import { temporalTargetKind, withTemporal } from '../temporal.js';
import { cliTemporalIdentity, establishActor } from '../requester.js';
import { actorName, type Actor } from '../../domain/audit/identity.js';
import type { DecideFlags } from './approve.js';
import { RunbookFailed } from './fix-follow.js';

/** The decision asked for on the command line. */
export interface Decision {
  verb: 'approve' | 'reject';
  by: string;
  reason: string;
}

async function plannedChange(handle: WorkflowHandle, workflowId: string): Promise<PlannedChange> {
  try {
    return await handle.query(planQuery);
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) throw new UsageError(`no workflow ${workflowId} is running`);
    // Temporal down or the namespace unknown: withTemporal names it.
    if (temporalTargetKind(error)) throw error;
    throw new UsageError(`${workflowId} is not an apply run waiting for approval: ${(error as Error).message}`);
  }
}

function printPlanned(planned: PlannedChange): void {
  const { plan, approval } = planned;
  console.log(
    `requested by ${approval.requestedBy}; approval ${approval.status} (deadline ${approval.deadline ?? '-'})`,
  );
  if (!plan) return;
  console.log(`plan (based on ${plan.basedOn.slice(0, 12)}): ${plan.steps.length} step(s)`);
  plan.steps.forEach((step, index) => console.log(`  ${index + 1}. ${step.action} ${stepTarget(step)}: ${step.why}`));
  for (const impact of plan.impact.filter((service) => service.outcome !== 'keeps'))
    console.log(`  Service ${impact.namespace}/${impact.name} ${impact.outcome}: ${impact.reason}`);
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** After an approval: the run checks the plan again on the live cluster; wait for its verdict. */
async function recheckVerdict(handle: WorkflowHandle): Promise<void> {
  for (let waited = 0; waited < 120_000; waited += 250) {
    const progress: RunbookProgress | undefined = await handle.query(progressQuery).catch(() => undefined);
    const recheck = progress?.steps.find((step) => step.id === 'recheck-plan');
    if (recheck?.status === 'done') {
      const follow = `temporal workflow describe -w ${handle.workflowId}`;
      console.log(`the plan still holds on the live cluster: applying (follow: ${follow})`);
      return;
    }
    if (recheck?.status === 'failed')
      throw new RunbookFailed(`refused at approval: ${recheck.detail ?? 'plan drifted'}`);
    await pause(250);
  }
  console.log('approved; the run has not re-checked the plan yet');
}

async function send(handle: WorkflowHandle, decision: Decision, identity: Actor): Promise<void> {
  const by = actorName(identity);
  try {
    if (decision.verb === 'approve') await handle.executeUpdate(approveUpdate, { args: [{ approver: by, identity }] });
    else await handle.executeUpdate(rejectUpdate, { args: [{ rejecter: by, reason: decision.reason, identity }] });
  } catch (error) {
    const reason = error instanceof WorkflowUpdateFailedError ? (error.cause?.message ?? error.message) : null;
    // Not an update failure: the run ended meanwhile, or it is not an apply.
    throw new UsageError(`refused: ${reason ?? (error as Error).message}; nothing was changed`);
  }
}

/** Shows the plan, sends the decision; an approval then waits for the run's re-check of the plan. */
export async function decide(workflowId: string, decision: Decision, flags: DecideFlags): Promise<void> {
  await withTemporal(
    flags,
    async (client) => {
      const handle = client.workflow.getHandle(workflowId);
      printPlanned(await plannedChange(handle, workflowId));
      const identity = await establishActor({ kubeconfig: flags.kubeconfig, context: flags.context }, decision.by);
      await send(handle, decision, identity);
      if (decision.verb === 'reject') {
        console.log(`rejected by ${actorName(identity)}: the run ends with nothing written`);
        return;
      }
      console.log(`approved by ${actorName(identity)}`);
      await recheckVerdict(handle);
    },
    cliTemporalIdentity(),
  );
}
