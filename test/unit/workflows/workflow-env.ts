// Fast workflow tests: the real workflow code on a real Temporal dev server (the lab's own
// Temporal CLI binary, from the build cache; nothing is downloaded), with stub activities that
// record every call. One bundle and one server per test file.
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker, type WorkflowBundle } from '@temporalio/worker';
import type { WorkflowHandle } from '@temporalio/client';
import type { RunbookActivities } from '../../../activities/index.js';
import { cachedComponent } from '../../../lab/build.js';
import { componentNamed } from '../../../lab/components.js';
import type { RunbookResult } from '../../../domain/runbooks/types.js';
import { defaultStubs, type ActivityCall } from './stub-activities.js';
import { changeSinksFor, ignoreChanges } from '../../../worker/sinks.js';
import { changeSearchAttributeKeys } from '../../../domain/audit/search-attribute-keys.js';

const workflowsPath = fileURLToPath(new URL('../../../workflows/index.ts', import.meta.url));
const quiet = new DefaultLogger('ERROR');

/** The lab's Temporal CLI binary; a clear failure (not a skip) when it has not been built. */
export function temporalBinary(): string {
  const temporal = cachedComponent(componentNamed('temporal'));
  if (!temporal.built)
    throw new Error(
      `the Temporal CLI is not built (expected in ${temporal.dir}): run \`npm run lab -- up\` once ` +
        '(it builds what is missing), then re-run the workflow tests',
    );
  return temporal.binary('temporal');
}

/** A dev server from the lab's binary and the workflows bundled once. */
export interface WorkflowTestBed {
  env: TestWorkflowEnvironment;
  bundle: WorkflowBundle;
}

export async function openTestBed(): Promise<WorkflowTestBed> {
  const path = temporalBinary();
  Runtime.install({
    logger: quiet,
    telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' }, forward: {} } },
  });
  const [env, bundle] = await Promise.all([
    TestWorkflowEnvironment.createLocal({
      server: {
        executable: { type: 'existing-path', path },
        log: { format: 'pretty', level: 'error' },
        searchAttributes: Object.values(changeSearchAttributeKeys),
      },
    }),
    bundleWorkflowCode({ workflowsPath, logger: quiet }),
  ]);
  return { env, bundle };
}

/** What one run of a workflow on stubs produced. */
export interface StubbedRun {
  result?: RunbookResult;
  error?: Error;
  calls: ActivityCall[];
}

export interface RunOptions {
  stubs?: Partial<RunbookActivities>;
  /** Called once the run started, e.g. to cancel it at the right moment. */
  whileRunning?: (handle: WorkflowHandle) => Promise<void>;
  /** The run's execution timeout, as the CLI's --timeout sets it (default: none). */
  executionTimeout?: string;
}

/** Runs one workflow to its end on a fresh task queue with the default stubs, `stubs` overriding some. */
export async function runWorkflow(
  bed: WorkflowTestBed,
  workflowType: string,
  input: Record<string, unknown>,
  options: RunOptions = {},
): Promise<StubbedRun> {
  const calls: ActivityCall[] = [];
  const taskQueue = `test-${randomUUID()}`;
  const activities = defaultStubs(calls, options.stubs ?? {});
  const worker = await Worker.create({
    connection: bed.env.nativeConnection,
    taskQueue,
    workflowBundle: bed.bundle,
    activities,
    sinks: changeSinksFor(ignoreChanges),
  });
  const execution = async (): Promise<StubbedRun> => {
    const handle = await bed.env.client.workflow.start(workflowType, {
      taskQueue,
      workflowId: `test-${randomUUID()}`,
      args: [{ cluster: 'test', requestedBy: 'unit-test', ...input }],
      ...(options.executionTimeout ? { workflowExecutionTimeout: options.executionTimeout } : {}),
    });
    await options.whileRunning?.(handle);
    try {
      return { result: (await handle.result()) as RunbookResult, calls };
    } catch (error) {
      return { error: error as Error, calls };
    }
  };
  return worker.runUntil(execution());
}

/** The activity names called, in order. */
/**
 * The activities a run called, in order, without its audit tail: every run must end by keeping its audit record
 * (after a failure, by reading the Services once more first). Throws when the tail is missing.
 */
export function namesOf(calls: readonly ActivityCall[]): string[] {
  const names = calls.map((call) => call.name);
  if (names.at(-1) !== 'keepAuditRecord')
    throw new Error(`the run did not end by keeping its audit record: ${names.join(', ')}`);
  const tail = names.at(-2) === 'readClusterFacts' && failedRunTail(calls) ? 2 : 1;
  return names.slice(0, -tail);
}

/** True when the run's record says it did not succeed (its after-state was then read once more). */
function failedRunTail(calls: readonly ActivityCall[]): boolean {
  const record = calls.at(-1)?.input as { outcome?: string } | undefined;
  return record?.outcome !== undefined && record.outcome !== 'succeeded';
}
