// The config watch's bookmark, beside the audit log: per kind the resourceVersion it has recorded up to,
// and per object the last spec and managers recorded (what the next change is diffed against). Written
// after each record (atomically), so a restarted worker resumes where the last one stopped.
import { readFile, rename, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { WatchedObject } from '../domain/audit/observed.js';

/** Where one kind's watch stands. */
export interface KindBookmark {
  /** The API version watched (the CRD's storage version). */
  version: string;
  resourceVersion: string;
}

/** The watch's durable state for one cluster. */
export interface WatchState {
  cluster: string;
  namespace: string;
  kinds: Record<string, KindBookmark>;
  /** "Kind/name" -> the object as last recorded. */
  objects: Record<string, WatchedObject>;
  /** When the state was last saved (the start of a gap, if the next start relists). */
  savedAt: string;
  /** The seq of the last audit record the state includes (records after it are replayed onto it before a relist). */
  recordedThrough?: number;
}

const StampSchema = z.object({
  manager: z.string(),
  operation: z.string(),
  time: z.string(),
  subresource: z.string().optional(),
  specFields: z.array(z.string()).optional(),
});
const ObjectSchema = z.object({
  kind: z.string(),
  name: z.string(),
  namespace: z.string(),
  uid: z.string(),
  resourceVersion: z.string(),
  spec: z.unknown(),
  managers: z.array(StampSchema),
});
const StateSchema = z.object({
  cluster: z.string(),
  namespace: z.string(),
  kinds: z.record(z.string(), z.object({ version: z.string(), resourceVersion: z.string() })),
  objects: z.record(z.string(), ObjectSchema),
  savedAt: z.string(),
  recordedThrough: z.number().int().optional(),
});

/** The state file of `cluster`'s watch in `directory`. */
export function watchStateFile(directory: string, cluster: string): string {
  return path.join(directory, `config-watch.${cluster.replace(/[^A-Za-z0-9_.-]/g, '_')}.json`);
}

/** The saved state, or null when there is none (a first start); a file that does not parse is an error. */
export async function loadWatchState(directory: string, cluster: string): Promise<WatchState | null> {
  const file = watchStateFile(directory, cluster);
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw error;
  });
  if (text === null) return null;
  const parsed = StateSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`${file} is not a config watch state (${parsed.error.issues[0]?.message})`);
  return parsed.data;
}

/** Saves the state atomically (a crash leaves the old file or the new one, never half of one). */
export async function saveWatchState(directory: string, state: WatchState): Promise<void> {
  await mkdir(directory, { recursive: true, mode: 0o700 });
  const file = watchStateFile(directory, state.cluster);
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, JSON.stringify({ ...state, savedAt: new Date().toISOString() }), { mode: 0o600 });
  await rename(temporary, file);
}
