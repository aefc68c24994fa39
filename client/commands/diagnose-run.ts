// The run of `metallb-runbooks diagnose`: reads the cluster (or dumps), diagnoses, renders.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ClusterAccessError, type ClusterAccess } from '../../kube/access.js';
import { lightEndpoint } from '../../kube/kubeconfig-light.js';
import { defaultLogCacheDirectory, fileLogCache } from '../../kube/log-cache.js';
import { readCluster, ClusterReadError, serverOf, type ReadSource } from '../../kube/read-cluster.js';
import type { ClusterSnapshot } from '../../domain/snapshot.js';
import type { DiagnosisReport } from '../../domain/diagnose/report.js';
import { parseDurationSeconds } from '../../domain/duration.js';
import { useColor } from '../terminal.js';
import { labClusterAccess, noClusterGiven } from '../lab-access.js';

/**
 * Starts loading a module the run needs only after the cluster has answered: loaded while the requests are out,
 * its evaluation overlaps the API server's work instead of coming before the first request. The rejection, if
 * any, is also the awaiting caller's; the handler only keeps an unused one from being reported as unhandled.
 */
function loadEarly<T>(load: () => Promise<T>): Promise<T> {
  const loading = load();
  loading.catch(() => undefined);
  return loading;
}

/** Exit code 2: the diagnosis could not be made (bad input, unreachable or forbidden cluster). */
export class CannotDiagnose extends Error {
  readonly exitCode = 2;
}

const OptionsSchema = z.object({
  kubeconfig: z.string().optional(),
  context: z.string().optional(),
  lab: z.boolean().optional(),
  metallbNamespace: z.string().optional(),
  namespace: z.string().optional(),
  allNamespaces: z.boolean().optional(),
  since: z
    .string()
    .refine((s) => parseDurationSeconds(s) !== null, { message: 'must be a duration like 30m, 1h or 2h30m' }),
  output: z.enum(['human', 'json']),
  failOn: z.enum(['error', 'warning', 'info']),
  fromFile: z.array(z.string()).optional(),
  controllerLog: z.string().optional(),
  speakerLog: z.string().optional(),
  /** false with --no-log-cache. */
  logCache: z.boolean().optional(),
});
type DiagnoseOptions = z.infer<typeof OptionsSchema>;

function readText(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new CannotDiagnose(
      `cannot read ${what} ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
}

/** Offline mode: `kubectl get ... -o yaml` dumps plus optional log files; no cluster access at all. */
async function snapshotFromFiles(opts: SnapshotFlags, now: Date, sinceSeconds: number): Promise<ClusterSnapshot> {
  const { parseDump, snapshotFromObjects } = await import('../../domain/snapshot.js');
  const objects = (opts.fromFile ?? []).flatMap((file) => {
    const parsed = parseDump(readText(file, 'dump'));
    if ('error' in parsed) throw new CannotDiagnose(`${file}: ${parsed.error}`);
    return parsed.objects;
  });
  return snapshotFromObjects(objects, {
    collectedAt: now.toISOString(),
    source: 'file',
    logs: {
      controller: opts.controllerLog ? readText(opts.controllerLog, 'log') : '',
      speaker: opts.speakerLog ? readText(opts.speakerLog, 'log') : '',
    },
    logsSince: new Date(now.getTime() - sinceSeconds * 1000).toISOString(),
    ...(opts.metallbNamespace ? { metallbNamespace: opts.metallbNamespace } : {}),
  });
}

/**
 * What to read the cluster with: a plain kubeconfig directly (no Kubernetes client to load: diagnose
 * starts fast), anything else through client-node's KubeConfig, which also words every error.
 */
async function readSourceFor(access: ClusterAccess): Promise<{ source: ReadSource; name: string }> {
  const endpoint = lightEndpoint(access);
  if (endpoint) return { source: endpoint, name: endpoint.name };
  const { loadKubeConfig, clusterName } = await import('../../kube/client.js');
  const kc = loadKubeConfig(access);
  return { source: kc, name: clusterName(kc) };
}

/** Which Service Events a cluster snapshot holds (kube/read-cluster.ts ReadScope.serviceEvents). */
export type SnapshotEvents = 'all' | 'problems';

async function snapshotFromCluster(opts: SnapshotFlags, now: Date, sinceSeconds: number, events: SnapshotEvents) {
  const given = { kubeconfig: opts.kubeconfig, context: opts.context };
  // With no cluster named anywhere, the local lab is the cluster (say so, on stderr).
  const useLab = opts.lab || noClusterGiven(given);
  if (useLab && !opts.lab) console.error('metallb-runbooks: no cluster given; diagnosing the local lab');
  const access = useLab ? labClusterAccess() : given;
  const { source, name } = await readSourceFor(access);
  const reading = readCluster(source, {
    metallbNamespace: opts.metallbNamespace,
    serviceNamespace: opts.allNamespaces ? undefined : opts.namespace,
    logSinceSeconds: sinceSeconds,
    serviceEvents: events,
    logCache:
      opts.logCache === false
        ? undefined
        : fileLogCache({ server: serverOf(source), name }, defaultLogCacheDirectory()),
  });
  const snapshotModule = loadEarly(() => import('../../domain/snapshot.js'));
  const read = await reading;
  const { snapshotFromObjects } = await snapshotModule;
  const snapshot = snapshotFromObjects(read.objects, {
    collectedAt: now.toISOString(),
    source: 'cluster',
    logs: read.logs,
    logsSince: new Date(now.getTime() - sinceSeconds * 1000).toISOString(),
    ...(read.metallbNamespace ? { metallbNamespace: read.metallbNamespace } : {}),
  });
  return { snapshot, context: name };
}

/** The flags that say where the snapshot comes from (a cluster or dump files), shared with `explain`. */
export type SnapshotFlags = Omit<DiagnoseOptions, 'output' | 'failOn'>;

/** One line naming the flag that is wrong, as every usage error. */
export function flagError(error: z.ZodError): string {
  const issue = error.issues[0]!;
  return `--${String(issue.path[0] ?? 'option').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} ${issue.message}`;
}

/**
 * Takes the snapshot the flags name: dump files offline, else the cluster (the lab when none is named).
 * `events`: 'problems' for a diagnosis (its checks read no Normal Event but ClearAssignment), 'all' to list them.
 */
export async function takeSnapshot(
  opts: SnapshotFlags,
  events: SnapshotEvents = 'all',
): Promise<{ snapshot: ClusterSnapshot; context: string | null }> {
  const sinceSeconds = parseDurationSeconds(opts.since)!;
  const now = new Date();
  try {
    if (opts.fromFile?.length) return { snapshot: await snapshotFromFiles(opts, now, sinceSeconds), context: null };
    return await snapshotFromCluster(opts, now, sinceSeconds, events);
  } catch (error) {
    if (error instanceof ClusterAccessError || error instanceof ClusterReadError)
      throw new CannotDiagnose(error.message);
    throw error;
  }
}

/** Validates the flags, takes the snapshot, diagnoses it and renders the report. */
export async function runDiagnose(raw: unknown): Promise<{ report: DiagnosisReport; exitCode: number; text: string }> {
  const parsed = OptionsSchema.safeParse(raw);
  if (!parsed.success) throw new CannotDiagnose(flagError(parsed.error));
  const opts = parsed.data;
  const analysis = loadEarly(() =>
    Promise.all([
      import('../../domain/diagnose/index.js'),
      import('../../domain/diagnose/report.js'),
      import('../../domain/diagnose/render.js'),
    ]),
  );
  const { snapshot, context } = await takeSnapshot(opts, 'problems');
  const [{ diagnose }, { exitCodeFor }, { renderHuman }] = await analysis;
  const report = diagnose(snapshot, { context });
  const text = opts.output === 'json' ? JSON.stringify(report, null, 2) : renderHuman(report, { color: useColor() });
  return { report, exitCode: exitCodeFor(report, opts.failOn), text };
}

/** The snapshot flags' schema, for commands that read a cluster as diagnose does. */
export const SnapshotFlagsSchema = OptionsSchema.omit({ output: true, failOn: true });
