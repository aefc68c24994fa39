// Shared by the cli-*.test.ts files: the compiled CLI (bin/ running dist/) as a child process, pointed at the lab
// under a cluster name of the test's own, so its task queue and change id are not shared with any other test.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { eventually, lab, uniqueName } from './helpers.js';

export const root = fileURLToPath(new URL('../..', import.meta.url));
export const bin = path.join(root, 'bin/metallb-runbooks.js');

if (!existsSync(path.join(root, 'dist/client/main.js')))
  throw new Error('these tests run the compiled CLI: run `npm run build` first');

/** A kube context of its own for the lab's cluster and admin user; only names, no credentials, in the extra file. */
export interface OwnCluster {
  context: string;
  /** $KUBECONFIG: the lab's kubeconfig merged with the file that names the extra context. */
  kubeconfigEnv: string;
  remove(): void;
}

export function ownCluster(prefix: string): OwnCluster {
  const context = uniqueName(prefix);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cli-context-'));
  const extra = path.join(dir, 'context.yaml');
  writeFileSync(
    extra,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      contexts: [{ name: context, context: { cluster: 'metallb-lab', user: 'lab-admin' } }],
    }),
  );
  return {
    context,
    kubeconfigEnv: `${lab().kubeconfig}${path.delimiter}${extra}`,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Environment for the CLI: the lab's Temporal, the merged kubeconfig, nothing of the test runner's own. */
export function cliEnv(cluster: OwnCluster, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    KUBECONFIG: cluster.kubeconfigEnv,
    TEMPORAL_ADDRESS: lab().temporalAddress,
    TEMPORAL_NAMESPACE: lab().temporalNamespace,
    TEMPORAL_UI_URL: '',
    NO_COLOR: '1',
    ...extra,
  };
}

/** Runs the compiled CLI to the end. */
export function runCli(args: string[], env: NodeJS.ProcessEnv, node = process.execPath) {
  const result = spawnSync(node, [bin, ...args], { cwd: root, encoding: 'utf8', env, timeout: 90_000 });
  return {
    status: result.status,
    stdout: result.stdout,
    stderrLines: result.stderr.split('\n').filter(Boolean),
  };
}

/** What a CLI run ended with, as `runCli` returns it. */
export type CliResult = ReturnType<typeof runCli>;

/** Runs the compiled CLI to the end without blocking the test, so several can run at once; `onStdout` sees it grow. */
export function runCliAsync(
  args: string[],
  env: NodeJS.ProcessEnv,
  onStdout?: (stdout: string) => void,
): Promise<CliResult> {
  const child = spawn(process.execPath, [bin, ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    onStdout?.(stdout);
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) =>
    child.on('close', (status) => resolve({ status, stdout, stderrLines: stderr.split('\n').filter(Boolean) })),
  );
}

/** A `worker` started through bin/ (under `node`), resolved once it polls; output is collected. */
export interface CliWorker {
  process: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * `ownProcessGroup`: the worker leads a process group, as a shell job does, so a test can signal the whole group.
 * `extraEnv`: added to its environment (e.g. METALLB_RUNBOOKS_AUDIT_DIR).
 */
export async function startCliWorker(
  cluster: OwnCluster,
  node = process.execPath,
  ownProcessGroup = false,
  extraEnv: Record<string, string> = {},
): Promise<CliWorker> {
  const child = spawn(node, [bin, 'worker', '--context', cluster.context], {
    cwd: root,
    env: cliEnv(cluster, extraEnv),
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: ownProcessGroup,
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  await eventually(
    'the CLI worker to poll',
    () => {
      if (output.includes(`polling metallb-runbooks.${cluster.context}`)) return true;
      if (child.exitCode !== null) throw new Error(`worker exited ${child.exitCode}: ${output}`);
      return undefined;
    },
    { timeoutMs: 90_000 },
  );
  return { process: child, output: () => output, exited };
}

/** Pids of live processes whose command line contains `text` (e.g. a cluster name only one test uses). */
export function processesWith(text: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').includes(text);
      } catch {
        return false; // ended while we looked
      }
    })
    .map(Number);
}
