// Where diagnose keeps what it read of MetalLB's pod logs (domain/log-window.ts), so the next run asks
// the API server only for the lines written since: one file per API server and context, readable by
// the user alone, holding only the lines a diagnosis can use, with credentials redacted (redactLogLine).
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { CachedLogSchema, type CachedLog } from '../domain/log-window.js';
import { redactLogLine } from '../domain/redact.js';
import { labCacheDir } from '../lab/paths.js';

/** The kept logs of one cluster, by container key (kube/read-cluster.ts containerKey). */
export interface LogCacheStore {
  read(): Map<string, CachedLog>;
  /** Replaces the file's content: containers not read this time are forgotten. */
  write(entries: ReadonlyMap<string, CachedLog>): void;
}

const CacheFileSchema = z.object({ version: z.literal(1), containers: z.record(z.string(), CachedLogSchema) });

/** `$METALLB_RUNBOOKS_CACHE/diagnose-logs` (default ~/.cache/metallb-runbooks/diagnose-logs). */
export function defaultLogCacheDirectory(): string {
  return path.join(labCacheDir(), 'diagnose-logs');
}

/** A store in `directory`, one file per server and context (named by a hash: no address in file names). */
export function fileLogCache(cluster: { server: string; name: string }, directory: string): LogCacheStore {
  const file = path.join(
    directory,
    `${createHash('sha256').update(`${cluster.server}\n${cluster.name}`).digest('hex').slice(0, 24)}.json`,
  );
  return {
    read() {
      try {
        const parsed = CacheFileSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
        return new Map(parsed.success ? Object.entries(parsed.data.containers) : []);
      } catch {
        // No file yet, or one another version wrote: read the whole window.
        return new Map();
      }
    },
    write(entries) {
      const containers = Object.fromEntries(
        [...entries].map(([key, log]) => [key, { ...log, lines: log.lines.map(redactLogLine) }]),
      );
      mkdirSync(directory, { recursive: true, mode: 0o700 });
      // Written aside and renamed: a diagnosis running at the same time reads a whole file or none.
      const temporary = `${file}.${process.pid}.tmp`;
      writeFileSync(temporary, JSON.stringify({ version: 1, containers }), { mode: 0o600 });
      renameSync(temporary, file);
    },
  };
}
