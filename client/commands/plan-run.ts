// The run of `metallb-runbooks plan`: reads the desired files and the cluster (or a dump), plans, renders.
// Nothing is written anywhere: planning is read-only.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ClusterAccessError, loadKubeConfig } from '../../kube/client.js';
import { ClusterReadError, readCluster } from '../../kube/read-cluster.js';
import { loadDesiredFiles } from '../../domain/plan/load.js';
import { planChange } from '../../domain/plan/plan.js';
import { renderPlanHuman, renderPlanMarkdown } from '../../domain/plan/render.js';
import { planTargetFor } from '../../domain/plan/target.js';
import type { ChangePlan, PruneScope } from '../../domain/plan/types.js';
import { redactValue } from '../../domain/redact.js';
import { parseDump, snapshotFromObjects, type ClusterSnapshot } from '../../domain/snapshot.js';
import { labClusterAccess, noClusterGiven } from '../lab-access.js';
import { readDesiredFiles } from '../read-desired-files.js';
import { UsageError } from '../usage-error.js';

/** Exit code 2: the plan could not be made (unreadable dump, unreachable cluster, missing CRDs). */
export class CannotPlan extends Error {
  readonly exitCode = 2;
}

const OptionsSchema = z.object({
  filename: z.array(z.string()).min(1, { message: 'is required: the desired config files or directories' }),
  prune: z.boolean().optional(),
  selector: z.string().optional(),
  all: z.boolean().optional(),
  allowIpChanges: z.boolean().optional(),
  output: z.enum(['human', 'json', 'markdown']),
  detailedExitcode: z.boolean().optional(),
  fromFile: z.array(z.string()).optional(),
  metallbVersion: z
    .string()
    .regex(/^v?\d+\.\d+\.\d+$/, { message: 'must look like v0.15.3' })
    .transform((text) => (text.startsWith('v') ? text : `v${text}`))
    .optional(),
  bgpType: z.enum(['native', 'frr', 'frr-k8s']).optional(),
  kubeconfig: z.string().optional(),
  context: z.string().optional(),
  lab: z.boolean().optional(),
  metallbNamespace: z.string().optional(),
});
type PlanOptions = z.infer<typeof OptionsSchema>;

const flagName = (path: PropertyKey | undefined): string =>
  `--${String(path ?? 'option').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

function parseOptions(raw: unknown): PlanOptions {
  const parsed = OptionsSchema.safeParse({ filename: [], ...(raw as object) });
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new UsageError(`${flagName(issue.path[0])} ${issue.message}`);
}

/** -l app=x,team=y as kubectl reads an equality selector. */
function parseSelector(text: string): Record<string, string> {
  const pairs = text.split(',').map((part) => part.trim().split('='));
  if (pairs.some((pair) => pair.length !== 2 || !pair[0] || pair[1] === undefined))
    throw new UsageError(`-l/--selector ${JSON.stringify(text)} must be key=value[,key=value...]`);
  return Object.fromEntries(pairs as [string, string][]);
}

/** The prune scope, refused as kubectl apply --prune refuses it when none is given. */
export function pruneScopeOf(opts: Pick<PlanOptions, 'prune' | 'selector' | 'all'>): PruneScope | null {
  if (!opts.prune) {
    if (opts.selector !== undefined || opts.all)
      throw new UsageError('-l/--selector and --all only make sense with --prune');
    return null;
  }
  if (opts.selector !== undefined && opts.all) throw new UsageError('--prune takes -l/--selector or --all, not both');
  if (opts.all) return { all: true };
  if (opts.selector === undefined)
    throw new UsageError('--prune needs a scope: -l/--selector key=value[,...] or --all (as kubectl apply --prune)');
  return { selector: parseSelector(opts.selector) };
}

function snapshotFromDumps(files: readonly string[], opts: PlanOptions): ClusterSnapshot {
  const objects = files.flatMap((file) => {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new CannotPlan(`cannot read dump ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
    const parsed = parseDump(text);
    if ('error' in parsed) throw new CannotPlan(`${file}: ${parsed.error}`);
    return parsed.objects;
  });
  const namespace = opts.metallbNamespace ? { metallbNamespace: opts.metallbNamespace } : {};
  return snapshotFromObjects(objects, { collectedAt: new Date().toISOString(), source: 'file', ...namespace });
}

async function snapshotFromCluster(opts: PlanOptions): Promise<ClusterSnapshot> {
  const given = { kubeconfig: opts.kubeconfig, context: opts.context };
  const useLab = opts.lab || noClusterGiven(given);
  if (useLab && !opts.lab) console.error('metallb-runbooks: no cluster given; planning against the local lab');
  const kc = loadKubeConfig(useLab ? labClusterAccess() : given);
  const read = await readCluster(kc, { metallbNamespace: opts.metallbNamespace, logSinceSeconds: 1 });
  const namespace = read.metallbNamespace ? { metallbNamespace: read.metallbNamespace } : {};
  return snapshotFromObjects(read.objects, { collectedAt: new Date().toISOString(), source: 'cluster', ...namespace });
}

async function takeSnapshot(opts: PlanOptions): Promise<ClusterSnapshot> {
  try {
    return opts.fromFile?.length ? snapshotFromDumps(opts.fromFile, opts) : await snapshotFromCluster(opts);
  } catch (error) {
    if (error instanceof ClusterAccessError || error instanceof ClusterReadError) throw new CannotPlan(error.message);
    throw error;
  }
}

/** 0 valid and safe, 1 invalid or unsafe, 3 (with --detailed-exitcode) valid, safe and changing something. */
export function planExitCode(plan: ChangePlan, detailed: boolean): 0 | 1 | 3 {
  if (!plan.safe) return 1;
  return detailed && plan.steps.length > 0 ? 3 : 0;
}

function render(plan: ChangePlan, output: PlanOptions['output']): string {
  if (output === 'json') return JSON.stringify(redactValue(plan), null, 2);
  return output === 'markdown' ? renderPlanMarkdown(plan) : renderPlanHuman(plan);
}

/** Validates the flags, reads the files and the cluster, plans and renders. */
export async function runPlan(raw: unknown): Promise<{ plan: ChangePlan; exitCode: number; text: string }> {
  const opts = parseOptions(raw);
  const prune = pruneScopeOf(opts);
  const files = await readDesiredFiles(opts.filename);
  const snapshot = await takeSnapshot(opts);
  const target = planTargetFor(snapshot, { metallbVersion: opts.metallbVersion, bgpType: opts.bgpType });
  const loaded = loadDesiredFiles(files, target.namespace);
  const planned = planChange({
    snapshot,
    desired: loaded.objects,
    prune,
    allowIpChanges: Boolean(opts.allowIpChanges),
    target,
  });
  // A document that did not load would be missing from the desired set (and pruned): nothing may be applied.
  const plan: ChangePlan =
    loaded.problems.length === 0
      ? planned
      : { ...planned, problems: [...loaded.problems, ...planned.problems], valid: false, safe: false, steps: [] };
  return { plan, exitCode: planExitCode(plan, Boolean(opts.detailedExitcode)), text: render(plan, opts.output) };
}
