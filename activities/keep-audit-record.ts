import { log } from '@temporalio/activity';
import { appendAuditRecord } from '../audit/log-store.js';
import type { AuditRecord } from '../domain/audit/record.js';

/** Where this worker keeps audit records, and who to tell after each one (the HTTP forwarder). */
export interface AuditOptions {
  directory: string;
  onKept?: () => void;
}

/** Appends the run's record to the audit log; a retry finds it kept and writes nothing. */
export async function keepAuditRecord(options: AuditOptions, record: AuditRecord): Promise<{ seq: number }> {
  const { record: kept, alreadyKept } = await appendAuditRecord(options.directory, record);
  log.info('audit record kept', { id: kept.id, seq: kept.seq, outcome: kept.outcome, alreadyKept });
  options.onKept?.();
  return { seq: kept.seq };
}
