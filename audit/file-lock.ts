// A lock file beside the audit log, so that workers of several clusters (several processes) sharing
// one directory append one record at a time. A lock left by a process that died is taken over.
import { open, readFile, rm } from 'node:fs/promises';

/** How long an append may wait for the lock before failing (the activity then retries). */
const lockWaitMs = 30_000;
const retryEveryMs = 20;

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes the lock when the process that holds it is gone; true if it did. */
async function removeIfStale(lockPath: string): Promise<boolean> {
  const holder = Number((await readFile(lockPath, 'utf8').catch(() => '')).trim());
  if (Number.isInteger(holder) && holder > 0 && processAlive(holder)) return false;
  await rm(lockPath, { force: true });
  return true;
}

async function tryTake(lockPath: string): Promise<boolean> {
  try {
    const handle = await open(lockPath, 'wx');
    await handle.writeFile(String(process.pid));
    await handle.close();
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return false;
  }
}

/** Runs `action` holding the lock at `lockPath`; fails after 30 s of waiting for another holder. */
export async function withFileLock<Value>(lockPath: string, action: () => Promise<Value>): Promise<Value> {
  const deadline = Date.now() + lockWaitMs;
  while (!(await tryTake(lockPath))) {
    if ((await removeIfStale(lockPath)) && (await tryTake(lockPath))) break;
    if (Date.now() > deadline) throw new Error(`the audit log is locked by another process (${lockPath})`);
    await new Promise((resolve) => setTimeout(resolve, retryEveryMs));
  }
  try {
    return await action();
  } finally {
    await rm(lockPath, { force: true });
  }
}
