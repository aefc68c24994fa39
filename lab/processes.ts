import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** What the lab remembers about a process it started, so `down` can stop exactly that PID. */
export interface DaemonRecord {
  name: string;
  pid: number;
  command: string;
  args: string[];
  startedAt: string;
  logFile: string;
}

export interface DaemonSpec {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

const pidDir = (stateDir: string) => path.join(stateDir, 'pids');
const pidFile = (stateDir: string, name: string) => path.join(pidDir(stateDir), `${name}.json`);

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie still answers kill(0); it is not running.
  try {
    return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** True when the PID is alive and still runs the recorded command (PIDs get reused). */
function stillOurs(record: DaemonRecord): boolean {
  if (!isAlive(record.pid)) return false;
  try {
    const argv0 = readFileSync(`/proc/${record.pid}/cmdline`, 'utf8').split('\0')[0] ?? '';
    return argv0 === record.command || path.basename(argv0) === path.basename(record.command);
  } catch {
    return false;
  }
}

export function readDaemon(stateDir: string, name: string): DaemonRecord | undefined {
  const file = pidFile(stateDir, name);
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as DaemonRecord;
}

export function runningDaemon(stateDir: string, name: string): DaemonRecord | undefined {
  const record = readDaemon(stateDir, name);
  return record && stillOurs(record) ? record : undefined;
}

export function listDaemons(stateDir: string): DaemonRecord[] {
  if (!existsSync(pidDir(stateDir))) return [];
  return readdirSync(pidDir(stateDir))
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(path.join(pidDir(stateDir), f), 'utf8')) as DaemonRecord);
}

/** Starts a detached process that outlives the caller; output goes to logs/<name>.log. */
export function startDaemon(stateDir: string, spec: DaemonSpec): DaemonRecord {
  const running = runningDaemon(stateDir, spec.name);
  if (running) return running;
  mkdirSync(pidDir(stateDir), { recursive: true });
  mkdirSync(path.join(stateDir, 'logs'), { recursive: true });
  const logFile = path.join(stateDir, 'logs', `${spec.name}.log`);
  const out = openSync(logFile, 'a');
  const child = spawn(spec.command, spec.args, {
    cwd: spec.cwd ?? stateDir,
    env: spec.env ?? process.env,
    detached: true,
    stdio: ['ignore', out, out],
  });
  if (child.pid === undefined) throw new Error(`could not start ${spec.name} (${spec.command})`);
  child.unref();
  const record: DaemonRecord = {
    name: spec.name,
    pid: child.pid,
    command: spec.command,
    args: spec.args,
    startedAt: new Date().toISOString(),
    logFile,
  };
  writeFileSync(pidFile(stateDir, spec.name), JSON.stringify(record, null, 2));
  return record;
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
export async function stopPid(pid: number, graceMs = 10_000): Promise<void> {
  if (!isAlive(pid)) return;
  signal(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await delay(100);
  if (isAlive(pid)) signal(pid, 'SIGKILL');
  while (isAlive(pid)) await delay(50);
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    // Detached daemons lead their own process group: signal the group so helpers go too.
    process.kill(-pid, name);
  } catch {
    try {
      process.kill(pid, name);
    } catch {
      /* already gone */
    }
  }
}

export async function stopDaemon(stateDir: string, name: string, graceMs?: number): Promise<void> {
  const record = readDaemon(stateDir, name);
  if (record && stillOurs(record)) await stopPid(record.pid, graceMs);
  rmSync(pidFile(stateDir, name), { force: true });
}

export const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Polls `check` until it returns a value (not undefined/false) or the deadline passes; the error
 * says what was awaited and what was last seen.
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  { timeoutMs = 60_000, intervalMs = 250 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const seen = lastError instanceof Error ? `; last error: ${lastError.message}` : '';
      throw new Error(`timed out after ${Math.round(timeoutMs / 1000)}s waiting for ${what}${seen}`);
    }
    await delay(intervalMs);
  }
}
