// The audit log's hash chain: each stored record carries the SHA-256 of the one before it, so a
// removed, reordered or edited record breaks the chain at a line `history verify` names. Uses
// node:crypto: for activities and the CLI, never for workflow code.
import { createHash } from 'node:crypto';
import { canonicalJson } from '../runbooks/backup.js';
import type { AuditRecord, ChainedRecord } from './record.js';

/** The `prevHash` of the first record of a log. */
export const genesisHash = '0'.repeat(64);

/** SHA-256 (hex) of a stored record's canonical JSON without its own `hash`. */
export function recordHash(record: Omit<ChainedRecord, 'hash'>): string {
  const { hash: _ignored, ...rest } = record as ChainedRecord;
  return createHash('sha256').update(canonicalJson(rest)).digest('hex');
}

/** Where the log stands: the last record's place and hash (the head file keeps it, to catch a cut tail). */
export interface ChainHead {
  seq: number;
  hash: string;
}

/** The head of an empty log. */
export const emptyHead: ChainHead = { seq: 0, hash: genesisHash };

/** `record` as the next entry after `head`. */
export function chainAfter(head: ChainHead, record: AuditRecord): ChainedRecord {
  const linked = { ...record, seq: head.seq + 1, prevHash: head.hash };
  return { ...linked, hash: recordHash(linked) };
}

/** Where and why a log's chain breaks. */
export interface ChainBreak {
  /** 1-based line of the log. */
  line: number;
  /** The record's id (or "unreadable" when the line is not a record). */
  id: string;
  why: string;
}

/** What `verifyChain` found. */
export interface ChainVerdict {
  records: number;
  head: ChainHead;
  breaks: ChainBreak[];
}

function parseLine(text: string): ChainedRecord | null {
  try {
    const parsed = JSON.parse(text) as Partial<ChainedRecord>;
    return typeof parsed.hash === 'string' && typeof parsed.seq === 'number' ? (parsed as ChainedRecord) : null;
  } catch {
    return null;
  }
}

function linkProblem(record: ChainedRecord, previous: ChainHead): string | null {
  if (recordHash(record) !== record.hash) return 'its content does not match its hash (edited)';
  if (record.prevHash !== previous.hash)
    return `it does not follow record ${previous.seq} (a record before it was removed, edited or moved)`;
  if (record.seq !== previous.seq + 1) return `its number ${record.seq} should be ${previous.seq + 1}`;
  return null;
}

/**
 * Checks every line of the log in order, and the log's end against `expectedHead` (the head file) so that
 * cutting off the last records is caught too. Goes on after a break, re-anchoring on the broken record.
 */
export function verifyChain(lines: readonly string[], expectedHead: ChainHead | null): ChainVerdict {
  const breaks: ChainBreak[] = [];
  let previous = emptyHead;
  lines.forEach((text, index) => {
    if (text.trim() === '') return;
    const record = parseLine(text);
    if (record === null) {
      breaks.push({ line: index + 1, id: 'unreadable', why: 'the line is not an audit record' });
      return;
    }
    const problem = linkProblem(record, previous);
    if (problem !== null) breaks.push({ line: index + 1, id: record.id, why: problem });
    previous = { seq: record.seq, hash: record.hash };
  });
  if (expectedHead && (expectedHead.seq !== previous.seq || expectedHead.hash !== previous.hash))
    breaks.push({
      line: lines.filter((text) => text.trim() !== '').length + 1,
      id: 'end of log',
      why: `the log ends at record ${previous.seq} but ${expectedHead.seq} were written (records cut off the end)`,
    });
  return { records: lines.filter((text) => text.trim() !== '').length, head: previous, breaks };
}
