// Inputs and results of the runbook workflows. Inputs name the cluster, never its credentials.
import type { Actor } from '../audit/identity.js';
import type { InputFile, ObjectDiff } from '../audit/record.js';
import type { ChangeName } from './names.js';

/** How long each observed wait may take before the runbook fails (seconds). */
export interface WaitLimits {
  rolloutSeconds: number;
  logsSeconds: number;
  serviceIpsSeconds: number;
  configProcessedSeconds: number;
}

/** Deadlines used when a run names none. */
export const defaultWaitLimits: WaitLimits = {
  rolloutSeconds: 300,
  logsSeconds: 120,
  serviceIpsSeconds: 120,
  configProcessedSeconds: 60,
};

/** What every runbook is started with. */
export interface RunbookInput {
  /** The kube context name the worker serves; only used for names and reports. */
  cluster: string;
  /** The name shown for the requester: their Kubernetes user when the CLI could ask the API server. */
  requestedBy: string;
  /** Who asked, as the CLI established it at request time (absent from older clients: the record says so). */
  requester?: Actor;
  /** Files the change was read from, by digest (apply). */
  sources?: InputFile[];
  limits?: Partial<WaitLimits>;
}

/** in-place rewrites every object; recreate deletes and re-creates them. */
export type ReapplyMode = 'in-place' | 'recreate';

/** reapply-config: the mode too. */
export interface ReapplyConfigInput extends RunbookInput {
  mode: ReapplyMode;
}

/** cleanup-orphans: which Services to clean. */
export interface CleanupOrphansInput extends RunbookInput {
  /** "namespace/name" of each Service to clean; empty = every orphan found. */
  services: string[];
}

/** The IPs a Service held before and after the runbook. */
export interface ServiceIpChange {
  service: string;
  before: string[];
  after: string[];
}

/** What a finished runbook returns: what it changed and what it verified. */
export interface RunbookResult {
  runbook: ChangeName;
  cluster: string;
  workflowId: string;
  startedAt: string;
  finishedAt: string;
  /** One line. */
  summary: string;
  /** What was written to the cluster, one line each. */
  changes: string[];
  /** What was verified afterwards, one line each. */
  checks: string[];
  /** Every MetalLB-served Service, with its IPs before and after. */
  services: ServiceIpChange[];
  /** What the run wrote, object by object and field by field (for the audit record). */
  diff?: ObjectDiff[];
}

/** The run's deadlines: the defaults, overridden by the input's. */
export function withLimits(input: RunbookInput): WaitLimits {
  return { ...defaultWaitLimits, ...(input.limits ?? {}) };
}
