// Reads the paths given with `-f`: a file is read as is; a directory gives its *.yaml, *.yml and
// *.json files (not recursive, sorted by name), as `kubectl apply -f <dir>` does.
import type { Dirent } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { DesiredFile } from '../domain/plan/load.js';
import { UsageError } from './usage-error.js';

const MANIFEST = /\.(ya?ml|json)$/i;

/** A file, or a symlink to one: a ConfigMap volume shows each key as a symlink into its `..data` directory. */
async function isManifestFile(dir: string, entry: Dirent): Promise<boolean> {
  if (!MANIFEST.test(entry.name)) return false;
  if (entry.isFile()) return true;
  return entry.isSymbolicLink() && (await stat(join(dir, entry.name))).isFile();
}

async function filesOf(path: string): Promise<string[]> {
  const info = await stat(path);
  if (!info.isDirectory()) return [path];
  const entries = await readdir(path, { withFileTypes: true });
  const manifests = await Promise.all(entries.map((entry) => isManifestFile(path, entry)));
  return entries
    .filter((_, index) => manifests[index])
    .map((entry) => entry.name)
    .sort()
    .map((name) => join(path, name));
}

const reason = (error: unknown): string => {
  const code = (error as { code?: string }).code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES') return 'permission denied';
  return error instanceof Error ? error.message : String(error);
};

/** Every desired-config file of the paths, in order; a path that cannot be read is a UsageError (exit 2). */
export async function readDesiredFiles(paths: readonly string[]): Promise<DesiredFile[]> {
  const files: DesiredFile[] = [];
  for (const path of paths) {
    try {
      for (const file of await filesOf(path)) files.push({ path: file, text: await readFile(file, 'utf8') });
    } catch (error) {
      throw new UsageError(`cannot read -f ${path}: ${reason(error)}; give a readable file or directory`);
    }
  }
  return files;
}
