// The run of `metallb-runbooks watch`: one Temporal Schedule per cluster that starts the drift workflow every
// interval (overlap SKIP, missed runs caught up once), and its pause, resume, delete and list.
import {
  type Client,
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type ScheduleDescription,
  type ScheduleOptions,
} from '@temporalio/client';
import { clusterName, loadKubeConfig } from '../../kube/client.js';
import { withTemporal } from '../temporal.js';
import { taskQueueFor } from '../../domain/runbooks/names.js';
import type { WaitLimits } from '../../domain/runbooks/types.js';
import {
  catchupWindowSeconds,
  driftRunTimeoutSeconds,
  driftWorkflowId,
  driftWorkflowType,
  watchScheduleId,
} from '../../domain/watch/names.js';
import type { AutoFixRunbook, DriftWatchInput, WatchSinks } from '../../domain/watch/types.js';
import { table } from '../terminal.js';
import { UsageError } from '../usage-error.js';
import { requireWorkerPolling } from './fix-start.js';
import type { WatchOptions, WatchTargetFlags } from './watch.js';

/** What a cluster's watch is set up with. */
export interface WatchConfiguration {
  cluster: string;
  intervalSeconds: number;
  sinks: WatchSinks;
  autoFix: AutoFixRunbook[];
  requestedBy: string;
  /** Deadlines of the runbooks auto-fix starts (tests shorten them). */
  autoFixLimits?: Partial<WaitLimits>;
}

/** The schedule for a configuration: its spec, the drift workflow's start and the policies. */
export function watchSchedule(config: WatchConfiguration, configuredAt: string): ScheduleOptions {
  const input: DriftWatchInput = { ...config, configuredAt };
  return {
    scheduleId: watchScheduleId(config.cluster),
    spec: { intervals: [{ every: config.intervalSeconds * 1000 }] },
    action: {
      type: 'startWorkflow',
      workflowType: driftWorkflowType,
      workflowId: driftWorkflowId(config.cluster),
      taskQueue: taskQueueFor(config.cluster),
      args: [input],
      workflowExecutionTimeout: driftRunTimeoutSeconds(config.intervalSeconds) * 1000,
    },
    policies: {
      overlap: ScheduleOverlapPolicy.SKIP,
      catchupWindow: catchupWindowSeconds(config.intervalSeconds) * 1000,
    },
    memo: { cluster: config.cluster, requestedBy: config.requestedBy, configuredAt },
  };
}

/** Creates the cluster's schedule, or updates it in place (keeping what its runs remember and its paused state). */
export async function configureWatch(client: Client, config: WatchConfiguration): Promise<'created' | 'updated'> {
  const options = watchSchedule(config, new Date().toISOString());
  try {
    await client.schedule.create(options);
    return 'created';
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
  }
  await client.schedule.getHandle(options.scheduleId).update((previous) => ({
    ...previous,
    spec: options.spec,
    action: options.action,
    policies: { ...previous.policies, ...options.policies },
  }));
  return 'updated';
}

const clusterOf = (flags: WatchTargetFlags): string =>
  clusterName(loadKubeConfig({ kubeconfig: flags.kubeconfig, context: flags.context }));

const sinkText = (sinks: WatchSinks): string =>
  [
    ...sinks.alertmanager.map((url) => `alertmanager ${url}`),
    ...(sinks.webhook ? [`webhook ${sinks.webhook.startsWith('http') ? 'URL' : sinks.webhook}`] : []),
    ...(sinks.slack ? [`slack ${sinks.slack}`] : []),
  ].join(', ');

/** `watch --context X --every 5m ...`. */
export async function runWatch(options: WatchOptions): Promise<void> {
  const cluster = clusterOf(options);
  await withTemporal(options, async (client) => {
    const done = await configureWatch(client, { ...options, cluster });
    console.log(
      `${done} watch ${watchScheduleId(cluster)}: diagnoses ${cluster} every ${options.intervalSeconds}s, ` +
        `alerts to ${sinkText(options.sinks)}; auto-fix: ${options.autoFix.join(', ') || 'off'}`,
    );
    await requireWorkerPolling(client, taskQueueFor(cluster), `metallb-runbooks worker --context ${cluster}`).catch(
      (error: unknown) => console.log(`warning: ${(error as Error).message.replace(/^refused: /, '')}`),
    );
  });
}

/** `watch pause|resume|delete`. */
export async function changeWatchState(action: 'pause' | 'resume' | 'delete', flags: WatchTargetFlags): Promise<void> {
  const cluster = clusterOf(flags);
  const scheduleId = watchScheduleId(cluster);
  await withTemporal(flags, async (client) => {
    const handle = client.schedule.getHandle(scheduleId);
    const note = `${action} by metallb-runbooks watch ${action} at ${new Date().toISOString()}`;
    try {
      if (action === 'pause') await handle.pause(note);
      else if (action === 'resume') await handle.unpause(note);
      else await handle.delete();
    } catch (error) {
      if (error instanceof ScheduleNotFoundError)
        throw new UsageError(
          `cluster ${cluster} has no watch (${scheduleId}); create one with \`metallb-runbooks watch\``,
        );
      throw error;
    }
    console.log(`${action === 'resume' ? 'resumed' : `${action}d`} watch ${scheduleId}`);
  });
}

/** One row of `watch list`. */
export interface WatchRow {
  cluster: string;
  every: string;
  paused: boolean;
  sinks: string;
  autoFix: string;
  lastRun: string;
  nextRun: string;
}

/** A watch's row, from its schedule's description; null for a schedule that is no watch. */
function watchRow(description: ScheduleDescription): WatchRow | null {
  const input = description.action.args?.[0] as DriftWatchInput | undefined;
  if (!input?.cluster) return null;
  const next = description.info.nextActionTimes[0];
  return {
    cluster: input.cluster,
    every: `${input.intervalSeconds}s`,
    paused: description.state.paused,
    sinks: sinkText(input.sinks),
    autoFix: input.autoFix.join(', ') || 'off',
    lastRun: description.info.recentActions.at(-1)?.takenAt.toISOString() ?? '-',
    nextRun: description.state.paused || !next ? '-' : next.toISOString(),
  };
}

/** Every watch in the namespace, read from its schedule. */
export async function readWatches(client: Client): Promise<WatchRow[]> {
  const rows: WatchRow[] = [];
  for await (const summary of client.schedule.list()) {
    if (!summary.scheduleId.startsWith(watchScheduleId(''))) continue;
    const row = watchRow(await client.schedule.getHandle(summary.scheduleId).describe());
    if (row) rows.push(row);
  }
  return rows.sort((a, b) => a.cluster.localeCompare(b.cluster));
}

/** `watch list`. */
export async function listWatches(flags: Pick<WatchTargetFlags, 'temporalAddress' | 'temporalNamespace'>) {
  const rows = await withTemporal(flags, readWatches);
  if (!rows.length) return console.log('no cluster is watched; start with `metallb-runbooks watch --context <name>`');
  const out = table(['cluster', 'every', 'state', 'alerts to', 'auto-fix', 'last run', 'next run']);
  for (const row of rows)
    out.push([
      row.cluster,
      row.every,
      row.paused ? 'paused' : 'active',
      row.sinks,
      row.autoFix,
      row.lastRun,
      row.nextRun,
    ]);
  console.log(out.toString());
}
