// The state a drift run hands to the next: validated, because it comes back from the schedule as plain JSON.
import { z } from 'zod';
import { AUTO_FIX_RUNBOOKS, type DriftState } from './types.js';

const WatchedFindingSchema = z.object({
  key: z.string(),
  id: z.string(),
  check: z.string(),
  severity: z.enum(['error', 'warning', 'info']),
  title: z.string(),
  object: z.string(),
  command: z.string().nullable(),
  runbook: z.string().nullable(),
  service: z.string().nullable(),
  since: z.string(),
});

const AutoFixAttemptSchema = z.object({
  findingKey: z.string(),
  runbook: z.enum(AUTO_FIX_RUNBOOKS),
  workflowId: z.string(),
  runId: z.string(),
  startedAt: z.string(),
  outcome: z.enum(['running', 'succeeded', 'failed']),
  failure: z.string().optional(),
});

const DriftStateSchema = z.object({
  open: z.array(WatchedFindingSchema),
  attempts: z.array(AutoFixAttemptSchema),
  suspended: z.array(z.enum(AUTO_FIX_RUNBOOKS)),
  configuredAt: z.string(),
  diagnosedAt: z.string().nullable(),
  diagnosisError: z.string().nullable(),
});

/** Nothing seen yet: the first run of a watch (or a last result this version cannot read). */
export function freshState(configuredAt: string): DriftState {
  return { open: [], attempts: [], suspended: [], configuredAt, diagnosedAt: null, diagnosisError: null };
}

/** The previous run's result as the schedule passed it on; a fresh state when there is none or it is unreadable. */
export function carriedState(lastResult: unknown, configuredAt: string): DriftState {
  const parsed = DriftStateSchema.safeParse(lastResult);
  return parsed.success ? parsed.data : freshState(configuredAt);
}
