// The append-only audit log: JSON Lines in one directory (audit.jsonl), the head of its hash chain
// (head.json, written after each append so a cut-off end is caught) and the ids already kept
// (ids.txt, so a retried append writes no duplicate). Appends hold a lock file.
import { appendFile, mkdir, open, readFile, rename, writeFile } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { canonicalJson } from '../domain/runbooks/backup.js';
import { chainAfter, emptyHead, verifyChain, type ChainHead, type ChainVerdict } from '../domain/audit/chain.js';
import { redactedRecord, type AuditRecord, type ChainedRecord } from '../domain/audit/record.js';
import { withFileLock } from './file-lock.js';

/** The files of one audit directory. */
export function auditFiles(directory: string) {
  return {
    log: path.join(directory, 'audit.jsonl'),
    head: path.join(directory, 'head.json'),
    ids: path.join(directory, 'ids.txt'),
    lock: path.join(directory, 'audit.lock'),
  };
}

const HeadSchema = z.object({ seq: z.number().int().nonnegative(), hash: z.string().regex(/^[0-9a-f]{64}$/) });

/** The head file, or null when there is none (a new log). */
export async function readHead(directory: string): Promise<ChainHead | null> {
  const text = await readFile(auditFiles(directory).head, 'utf8').catch(() => null);
  return text === null ? null : HeadSchema.parse(JSON.parse(text));
}

/** The last line of the log (records can be large: read backwards until a full line is found). */
async function lastLine(file: string): Promise<string | null> {
  const handle = await open(file, 'r').catch(() => null);
  if (handle === null) return null;
  try {
    const { size } = await handle.stat();
    let tail = '';
    for (let end = size; end > 0 && !tail.slice(0, -1).includes('\n');) {
      const start = Math.max(0, end - 65_536);
      const chunk = Buffer.alloc(end - start);
      await handle.read(chunk, 0, chunk.length, start);
      tail = chunk.toString('utf8') + tail;
      end = start;
    }
    const lines = tail.split('\n').filter((line) => line.trim() !== '');
    return lines.at(-1) ?? null;
  } finally {
    await handle.close();
  }
}

/** What an append did: the stored record, and whether it was there already (a retry). */
export interface AppendResult {
  record: ChainedRecord;
  alreadyKept: boolean;
}

async function keptIds(files: ReturnType<typeof auditFiles>): Promise<Set<string>> {
  const text = await readFile(files.ids, 'utf8').catch(() => '');
  return new Set(text.split('\n').filter(Boolean));
}

/** The ids of every record kept (ids.txt, and the last line's, which a crash may have left out of it). */
export async function keptRecordIds(directory: string): Promise<Set<string>> {
  const files = auditFiles(directory);
  const ids = await keptIds(files);
  const last = await lastLine(files.log);
  if (last !== null) ids.add((JSON.parse(last) as ChainedRecord).id);
  return ids;
}

/** The stored record with `id` (a retry after the line was written: scan for it). */
async function findKept(directory: string, id: string): Promise<ChainedRecord | null> {
  for await (const record of readRecords(directory)) if (record.id === id) return record;
  return null;
}

async function writeHead(files: ReturnType<typeof auditFiles>, head: ChainHead): Promise<void> {
  const temporary = `${files.head}.${process.pid}.tmp`;
  await writeFile(temporary, JSON.stringify(head));
  await rename(temporary, files.head);
}

/**
 * Appends `record` (redacted) after the log's last record; a record with the same id already kept is
 * returned as it is (idempotent: a retried activity writes no duplicate). The line is written and
 * synced before the ids and head files, so a crash in between is repaired by the next append.
 */
export async function appendAuditRecord(directory: string, record: AuditRecord): Promise<AppendResult> {
  await mkdir(directory, { recursive: true, mode: 0o700 });
  const files = auditFiles(directory);
  return withFileLock(files.lock, async () => {
    const last = await lastLine(files.log);
    const lastRecord = last === null ? null : (JSON.parse(last) as ChainedRecord);
    const ids = await keptIds(files);
    if (lastRecord && !ids.has(lastRecord.id)) {
      await appendFile(files.ids, `${lastRecord.id}\n`);
      ids.add(lastRecord.id);
    }
    if (ids.has(record.id)) {
      const kept = await findKept(directory, record.id);
      if (kept) return { record: kept, alreadyKept: true };
    }
    const head = lastRecord ? { seq: lastRecord.seq, hash: lastRecord.hash } : emptyHead;
    const chained = chainAfter(head, redactedRecord(record));
    const handle = await open(files.log, 'a', 0o600);
    try {
      await handle.appendFile(`${canonicalJson(chained)}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await appendFile(files.ids, `${chained.id}\n`);
    await writeHead(files, { seq: chained.seq, hash: chained.hash });
    return { record: chained, alreadyKept: false };
  });
}

/** Every line of the log, in order (empty when there is no log yet). Streamed: the log may be large. */
export async function* readLines(directory: string): AsyncGenerator<string> {
  const stream = createReadStream(auditFiles(directory).log, { encoding: 'utf8', highWaterMark: 1 << 20 });
  let rest = '';
  try {
    for await (const chunk of stream as AsyncIterable<string>) {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop() ?? '';
      yield* lines.filter((line) => line.trim() !== '');
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if (rest.trim()) yield rest;
}

/** Every record of the log, in order; a line that is not a record is skipped (`verify` names it). */
export async function* readRecords(directory: string): AsyncGenerator<ChainedRecord> {
  for await (const line of readLines(directory)) {
    try {
      yield JSON.parse(line) as ChainedRecord;
    } catch {
      continue;
    }
  }
}

/** Checks the chain of the whole log and its end against the head file. */
export async function verifyAuditLog(directory: string): Promise<ChainVerdict> {
  const lines: string[] = [];
  for await (const line of readLines(directory)) lines.push(line);
  const head = await readHead(directory);
  // A crash after the line was written but before the head was: the head is one behind, which is no tampering.
  const tolerated = head && lines.length === head.seq + 1 ? null : head;
  return verifyChain(lines, tolerated);
}
