// `--version`, `--help` and usage errors must load commander and nothing heavy: each command imports its
// implementation (Temporal, the Kubernetes client, zod, the checks) only when it runs. A resolve hook records
// every module the CLI loads.
import { afterAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const scratch = mkdtempSync(path.join(os.tmpdir(), 'lazy-loading-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const hooks = path.join(scratch, 'hooks.mjs');
writeFileSync(
  hooks,
  `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(process.env.LOADED_MODULES_LOG, resolved.url + '\\n');
  return resolved;
}
`,
);
const registerHooks = path.join(scratch, 'register.mjs');
writeFileSync(
  registerHooks,
  `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)});\n`,
);

const heavy = [
  /node_modules\/@temporalio\//,
  /node_modules\/@kubernetes\/client-node\//,
  /node_modules\/zod\//,
  /node_modules\/yaml\//,
  /node_modules\/cli-table3\//,
  /node_modules\/ora\//,
  /\/(worker|activities|workflows|kube)\//,
];

/** The modules the CLI (from its sources) resolved while running `args`. */
function modulesLoadedBy(...args: string[]): string[] {
  return modulesLoadedWith({}, ...args);
}

/** As modulesLoadedBy, with extra environment. */
function modulesLoadedWith(env: NodeJS.ProcessEnv, ...args: string[]): string[] {
  const log = path.join(scratch, `${args.join('_').replace(/\W/g, '')}.log`);
  writeFileSync(log, '');
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--import', pathToFileURL(registerHooks).href, 'client/main.ts', ...args],
    { cwd: root, encoding: 'utf8', env: { ...process.env, ...env, LOADED_MODULES_LOG: log }, timeout: 60_000 },
  );
  expect(result.status, result.stderr).not.toBeNull();
  return readFileSync(log, 'utf8')
    .split('\n')
    .filter((url) => url.startsWith('file:'))
    .map((url) => url.slice(pathToFileURL(root).href.length));
}

describe('start-up loads only what the command line needs', () => {
  it.each([[['--version']], [['--help']], [['fix', '--help']], [['fix', 'restart-controller', '--bogus']]])(
    '%j loads no Temporal, Kubernetes client, zod or runbook code',
    (args) => {
      const loaded = modulesLoadedBy(...args);
      expect(loaded).toContain('client/program.ts');
      expect(loaded.filter((module) => heavy.some((pattern) => pattern.test(module)))).toEqual([]);
    },
  );

  it('diagnose loads no Temporal code (its protobufs alone cost ~100 ms of start-up)', () => {
    const loaded = modulesLoadedBy('diagnose', '--output', 'json', '--from-file', 'nothing.yaml');
    expect(loaded).toContain('client/commands/diagnose-run.ts');
    expect(loaded.filter((module) => /node_modules\/(@temporalio|protobufjs)\//.test(module))).toEqual([]);
  });

  it('a command that runs loads its implementation (the hook sees node_modules)', () => {
    const loaded = modulesLoadedBy('diagnose', '--output', 'xml', '--from-file', 'nothing.yaml');
    expect(loaded).toContain('client/commands/diagnose-run.ts');
    expect(loaded.some((module) => /node_modules\/zod\//.test(module))).toBe(true);
  });

  /** A kubeconfig for a loopback port nothing listens on, with this user. */
  function kubeconfigWith(user: string): string {
    const file = path.join(scratch, `kubeconfig-${user.length}`);
    writeFileSync(
      file,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters: [{name: c, cluster: {server: "https://127.0.0.1:1", insecure-skip-tls-verify: true}}]',
        `users: [{name: u, user: ${user}}]`,
        'contexts: [{name: x, context: {cluster: c, user: u}}]',
        'current-context: x',
      ].join('\n'),
    );
    return file;
  }
  const client = /node_modules\/@kubernetes\/client-node\//;

  it('diagnose with a plain kubeconfig loads no Kubernetes client (its import outweighs the reads)', () => {
    const loaded = modulesLoadedWith({ KUBECONFIG: kubeconfigWith('{token: abc}') }, 'diagnose', '-o', 'json');
    expect(loaded).toContain('kube/raw-get.ts');
    expect(loaded.filter((module) => client.test(module))).toEqual([]);
  });

  it('diagnose with an exec plugin goes through client-node, which runs it', () => {
    const exec = '{exec: {apiVersion: client.authentication.k8s.io/v1, command: "true"}}';
    const loaded = modulesLoadedWith({ KUBECONFIG: kubeconfigWith(exec) }, 'diagnose', '-o', 'json');
    expect(loaded.some((module) => client.test(module))).toBe(true);
  });
});
