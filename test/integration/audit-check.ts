// Every change run a test file made must leave exactly one audit record, whose Service IP table is the
// one the run reported. Checked after each integration file (setup.ts), so every runbook and apply in
// the suite is covered, whatever the test itself asserts.
import { expect } from 'vitest';
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { defaultAuditDirectory } from '../../audit/directory.js';
import { readRecords } from '../../audit/log-store.js';
import type { ChainedRecord } from '../../domain/audit/record.js';
import type { RunbookResult } from '../../domain/runbooks/types.js';
import { lab } from './helpers.js';

/** The lab's audit log directory, as every lab worker picks it. */
export function labAuditDirectory(): string {
  return defaultAuditDirectory(lab().kubeconfig);
}

/** Every record of the lab's audit log. */
export async function labAuditRecords(): Promise<ChainedRecord[]> {
  const records: ChainedRecord[] = [];
  for await (const record of readRecords(labAuditDirectory())) records.push(record);
  return records;
}

/** The one record of a run (fails when there is none or more than one). */
export async function recordOf(workflowId: string, runId: string): Promise<ChainedRecord> {
  const records = (await labAuditRecords()).filter((record) => record.id === `${workflowId}/${runId}`);
  expect(records, `audit records of ${workflowId}/${runId}`).toHaveLength(1);
  return records[0]!;
}

// Runs that end without running their last step: ended from outside, or by Temporal's own timeout.
const unrecordable = new Set(['TERMINATED', 'TIMED_OUT', 'CONTINUED_AS_NEW']);

async function closedChangesSince(client: Client, since: Date): Promise<WorkflowExecutionInfo[]> {
  const runs: WorkflowExecutionInfo[] = [];
  const query = `WorkflowId STARTS_WITH "metallb-change." AND StartTime >= "${since.toISOString()}"`;
  for await (const run of client.workflow.list({ query })) {
    if (run.status.name === 'RUNNING' || unrecordable.has(run.status.name)) continue;
    // A runbook apply ran as its step is part of apply's record.
    if (run.parentExecution) continue;
    runs.push(run);
  }
  return runs;
}

/** Checks every change run closed since `since`: one record each, its Service table as the run reported. */
export async function expectOneRecordPerRun(client: Client, since: Date): Promise<number> {
  const runs = await closedChangesSince(client, since);
  const records = await labAuditRecords();
  for (const run of runs) {
    const kept = records.filter((record) => record.id === `${run.workflowId}/${run.runId}`);
    expect(kept, `audit records of ${run.workflowId}/${run.runId} (${run.type}, ${run.status.name})`).toHaveLength(1);
    if (run.status.name !== 'COMPLETED') continue;
    const result = (await client.workflow.getHandle(run.workflowId, run.runId).result()) as RunbookResult;
    expect(kept[0]!.outcome).toBe('succeeded');
    expect(kept[0]!.services).toEqual(result.services);
  }
  return runs.length;
}

/** A record's Service table as "ns/name" -> IPs, before or after (the shape allServiceIps() observes). */
export function recordedIps(record: ChainedRecord, side: 'before' | 'after'): Record<string, string[]> {
  return Object.fromEntries(record.services.map((change) => [change.service, change[side]]));
}

/** Only the Services of `namespace` (a test's own, so other files' leftovers do not count). */
export function inNamespace(ips: Record<string, string[]>, namespace: string): Record<string, string[]> {
  return Object.fromEntries(Object.entries(ips).filter(([service]) => service.startsWith(`${namespace}/`)));
}
