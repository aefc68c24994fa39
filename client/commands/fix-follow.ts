// Live progress of a running runbook: one line per finished step with its status and elapsed
// time, and a spinner naming what the current step waits for (TTY only; plain lines otherwise).
import ora, { type Ora } from 'ora';
import pc from 'picocolors';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { stepElapsedMs, type RunbookProgress, type StepProgress } from '../../domain/runbooks/progress.js';
import type { RunbookResult } from '../../domain/runbooks/types.js';
import { progressQuery } from '../../workflows/messages.js';
import { useColor } from '../terminal.js';

/** How followRunbook shows progress. */
export interface FollowOptions {
  /** Named in the hint shown when no worker answers. */
  taskQueue?: string;
  /** Called once, when a step first shows as done (e.g. to write the backup). */
  onStepDone?: (step: StepProgress) => Promise<void> | void;
  pollMs?: number;
}

/** The one-line reason a workflow failed. */
export class RunbookFailed extends Error {
  readonly exitCode = 1;
}

const seconds = (ms: number | null) => (ms === null ? '' : `${(ms / 1000).toFixed(1)}s`);
const marks: Record<string, string> = { done: '✓', failed: '✗', skipped: '-' };

const plain = (text: string) => text;
const paints: Record<string, (text: string) => string> = { failed: pc.red, done: pc.green };

function stepLine(step: StepProgress, now: string): string {
  const color = useColor();
  const mark = marks[step.status] ?? '…';
  const paint = color ? (paints[step.status] ?? pc.dim) : plain;
  const detail = step.detail ? ` — ${step.detail}` : '';
  const elapsed = seconds(stepElapsedMs(step, now));
  return `${paint(mark)} ${step.title} ${color ? pc.dim(elapsed) : elapsed}${detail}`;
}

class ProgressView {
  private readonly reported = new Set<string>();
  private readonly announced = new Set<string>();
  // A pty that reports 0 columns (e.g. under `script`) sends ora into an endless redraw: plain lines then.
  private readonly spinner: Ora | null =
    process.stdout.isTTY && (process.stdout.columns ?? 0) > 0
      ? ora({ stream: process.stdout, discardStdin: false })
      : null;

  constructor(private readonly options: FollowOptions) {}

  async show(progress: RunbookProgress, now: string): Promise<void> {
    for (const step of progress.steps) {
      if (['done', 'failed', 'skipped'].includes(step.status) && !this.reported.has(step.id))
        await this.finished(step, now);
      if (step.status === 'running') this.running(step, now);
    }
    if (!progress.current) this.spinner?.stop();
  }

  stop(): void {
    this.spinner?.stop();
  }

  private async finished(step: StepProgress, now: string): Promise<void> {
    this.reported.add(step.id);
    this.spinner?.stop();
    console.log(stepLine(step, now));
    if (step.status === 'done') await this.options.onStepDone?.(step);
  }

  private running(step: StepProgress, now: string): void {
    const waiting = step.waitingFor ? ` — waiting for ${step.waitingFor}` : '';
    const text = `${step.title}${waiting} ${seconds(stepElapsedMs(step, now))}`;
    if (this.spinner) {
      this.spinner.text = text;
      if (!this.spinner.isSpinning) this.spinner.start();
    } else if (!this.announced.has(step.id)) {
      this.announced.add(step.id);
      console.log(`… ${step.title}${step.waitingFor ? ` (waiting for ${step.waitingFor})` : ''}`);
    }
  }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function failureReason(error: unknown): string {
  if (error instanceof WorkflowFailedError) return error.cause?.message ?? error.message;
  return error instanceof Error ? error.message : String(error);
}

/** Prints, once and only if no progress was seen for 10 s, that no worker seems to run. */
function noWorkerHint(options: FollowOptions): (answered: boolean) => void {
  const hintAt = Date.now() + 10_000;
  let done = false;
  return (answered) => {
    done ||= answered;
    if (done || Date.now() <= hintAt) return;
    done = true;
    console.log(
      'no worker has picked this up yet; is one running for this cluster? ' +
        `(metallb-runbooks worker --context <context>, polling ${options.taskQueue ?? 'the cluster queue'})`,
    );
  };
}

/** Shows progress until the workflow ends; returns its result or throws RunbookFailed. */
export async function followRunbook(handle: WorkflowHandle, options: FollowOptions = {}): Promise<RunbookResult> {
  const view = new ProgressView(options);
  let outcome: { result?: RunbookResult; error?: unknown } | undefined;
  const finished = handle.result().then(
    (result: RunbookResult) => (outcome = { result }),
    (error: unknown) => (outcome = { error }),
  );
  const hint = noWorkerHint(options);
  while (!outcome) {
    // No answer yet (no worker on the queue, server restarting): keep polling.
    const progress = await handle.query(progressQuery).catch(() => undefined);
    if (progress) await view.show(progress, new Date().toISOString());
    hint(Boolean(progress));
    await Promise.race([finished, pause(options.pollMs ?? 500)]);
  }
  const last = await handle.query(progressQuery).catch(() => undefined);
  if (last) await view.show(last, new Date().toISOString());
  view.stop();
  if (outcome.error !== undefined) throw new RunbookFailed(failureReason(outcome.error));
  return outcome.result!;
}
