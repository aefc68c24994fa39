// Forwards kept audit records to an HTTP collector (a SIEM's): each record is POSTed as JSON once the
// log holds it, in order, with its id as Idempotency-Key. The local log stays the record of truth: a
// collector that is down delays forwarding (retried with backoff), it never loses or blocks a record.
import { readFile, rename, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { readRecords } from './log-store.js';
import type { ChainedRecord } from '../domain/audit/record.js';

/** A running forwarder. */
export interface AuditForwarder {
  /** A record was kept: forward what is new. */
  nudge(): void;
  stop(): Promise<void>;
}

const firstRetryMs = 1_000;
const longestRetryMs = 60_000;

/** The collector's origin, for messages: the rest of the URL may carry a token. */
export function collectorName(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'the audit collector';
  }
}

function cursorFile(directory: string, url: string): string {
  const key = createHash('sha256').update(url).digest('hex').slice(0, 16);
  return path.join(directory, `forwarded-${key}.json`);
}

async function readCursor(file: string): Promise<number> {
  const text = await readFile(file, 'utf8').catch(() => '{"seq":0}');
  const seq = Number((JSON.parse(text) as { seq?: unknown }).seq);
  return Number.isInteger(seq) && seq >= 0 ? seq : 0;
}

async function post(url: string, record: ChainedRecord): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'idempotency-key': record.id },
    body: JSON.stringify(record),
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok) throw new Error(`${collectorName(url)} answered ${response.status}`);
}

/** Forwards every record after the cursor; returns after the last one or at the first failure (thrown). */
async function forwardPending(directory: string, url: string): Promise<void> {
  const file = cursorFile(directory, url);
  let cursor = await readCursor(file);
  for await (const record of readRecords(directory)) {
    if (record.seq <= cursor) continue;
    await post(url, record);
    cursor = record.seq;
    await writeFile(`${file}.tmp`, JSON.stringify({ seq: cursor }));
    await rename(`${file}.tmp`, file);
  }
}

/** Starts forwarding `directory`'s records to `url` (what is pending now, then after each nudge). */
export function startForwarder(directory: string, url: string, warn: (line: string) => void): AuditForwarder {
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;
  let retryMs = firstRetryMs;
  let timer: NodeJS.Timeout | null = null;
  const run = async (): Promise<void> => {
    do {
      again = false;
      try {
        await forwardPending(directory, url);
        retryMs = firstRetryMs;
      } catch (error) {
        warn(`audit records not forwarded yet (retry in ${retryMs / 1000}s): ${(error as Error).message}`);
        if (!stopped) timer = setTimeout(nudge, retryMs);
        retryMs = Math.min(retryMs * 2, longestRetryMs);
        return;
      }
    } while (again && !stopped);
  };
  const nudge = () => {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = run().finally(() => (running = null));
  };
  nudge();
  return {
    nudge,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
