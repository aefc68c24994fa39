// Reads the -f arguments of plan/apply: files as given, directories as their *.yaml, *.yml and *.json
// files (not recursive, sorted, as kubectl -f <dir> does). A path that cannot be read is bad usage.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { DesiredFile } from '../domain/plan/load.js';
import { UsageError } from './usage-error.js';

const MANIFEST = /\.(ya?ml|json)$/i;

const reason = (error: unknown): string => (error as NodeJS.ErrnoException).code ?? (error as Error).message;

function filesOf(given: string): string[] {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(given).isDirectory();
  } catch (error) {
    throw new UsageError(`cannot read ${given}: ${reason(error)}`);
  }
  if (!isDirectory) return [given];
  const names = readdirSync(given)
    .filter((name) => MANIFEST.test(name))
    .sort();
  if (names.length === 0) throw new UsageError(`${given} holds no .yaml, .yml or .json file`);
  return names.map((name) => path.join(given, name));
}

/** Every desired-config file named by `paths` with its text; throws a one-line UsageError. */
export async function readDesiredFiles(paths: string[]): Promise<DesiredFile[]> {
  if (paths.length === 0) throw new UsageError('no desired config given: pass -f <file|dir>');
  return Promise.resolve(
    paths.flatMap(filesOf).map((file) => {
      try {
        return { path: file, text: readFileSync(file, 'utf8') };
      } catch (error) {
        throw new UsageError(`cannot read ${file}: ${reason(error)}`);
      }
    }),
  );
}
