// Reads the -f arguments of plan and apply: files as given, directories as every *.yaml, *.yml
// and *.json file below them, in path order. MINIMAL (apply helper): the plan helper's version
// replaces this file at merge with the same signature.
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { DesiredFile } from '../domain/plan/load.js';

const manifestFile = /\.(ya?ml|json)$/i;

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile() && manifestFile.test(entry.name))
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort();
}

async function expand(given: string): Promise<string[]> {
  try {
    return (await stat(given)).isDirectory() ? await filesUnder(given) : [given];
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new Error(`cannot read ${given}: ${reason}`, { cause: error });
  }
}

/** Every desired-config file the paths name, with its text; an unreadable path is an error naming it. */
export async function readDesiredFiles(paths: string[]): Promise<DesiredFile[]> {
  const files = (await Promise.all(paths.map(expand))).flat();
  return Promise.all(files.map(async (file) => ({ path: file, text: await readFile(file, 'utf8') })));
}
