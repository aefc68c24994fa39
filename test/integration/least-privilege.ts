// Shared by the deploy-, gitops- and guard- tests: deploy/ rendered by kustomize and applied to the lab, a
// ServiceAccount's token (TokenRequest API) in a kubeconfig of its own, the CLI and the Deployment's worker run
// under it, and what the API server's audit log says that identity asked for.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CoreV1Api, type KubeConfig, type KubernetesObject, type V1ConfigMap } from '@kubernetes/client-node';
import { parseAllDocuments, stringify } from 'yaml';
import { applyObjects } from '../../lab/kube.js';
import { parseAuditLog, type AuditedCall } from '../../domain/rbac/coverage.js';
import { eventually, lab, labClients } from './helpers.js';
import { bin, root } from './cli-helpers.js';

export const deployDir = path.join(root, 'deploy');

/** `kubectl kustomize <dir>`: kustomize as kubectl embeds it (kubectl is on this machine; see the README). */
export function renderKustomization(dir: string): KubernetesObject[] {
  const result = spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8' });
  if (result.error) throw new Error(`kubectl kustomize ${dir}: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`kubectl kustomize ${dir} failed: ${result.stderr.trim()}`);
  return parseAllDocuments(result.stdout)
    .map((doc) => doc.toJS() as KubernetesObject | null)
    .filter((object): object is KubernetesObject => Boolean(object?.kind));
}

export const ofKind = (objects: readonly KubernetesObject[], kind: string) => objects.filter((o) => o.kind === kind);

/** Applies rendered objects as the lab's admin (server-side apply, so re-running converges). */
export async function applyAsAdmin(objects: readonly KubernetesObject[]): Promise<void> {
  await applyObjects(labClients().kc, objects);
}

/** Deletes the named objects as admin (a 404 is fine): an overlay's extra rules taken away again. */
export async function deleteAsAdmin(objects: readonly KubernetesObject[]): Promise<void> {
  const { KubernetesObjectApi } = await import('@kubernetes/client-node');
  const client = KubernetesObjectApi.makeApiClient(labClients().kc);
  for (const object of objects) {
    const spec = { apiVersion: object.apiVersion, kind: object.kind, metadata: object.metadata };
    await client.delete(spec as KubernetesObject).catch((error: { code?: number }) => {
      if (error.code !== 404) throw error;
    });
  }
}

export interface Identity {
  /** `system:serviceaccount:<ns>:<name>`, as the audit log names it. */
  user: string;
  /** A kubeconfig with this identity's token only, under `context`. */
  kubeconfig: string;
  context: string;
  token: string;
}

/** Which lab's API server to ask (default: the test lab's): its admin kubeconfig and its URL. */
export interface LabApi {
  kc: KubeConfig;
  apiServer: string;
}

/**
 * A token for the ServiceAccount from the TokenRequest API, in a kubeconfig whose only context is `context` and whose
 * only cluster is that lab's API server.
 */
export async function serviceAccountIdentity(
  namespace: string,
  name: string,
  context: string,
  target: LabApi = { kc: labClients().kc, apiServer: lab().apiServer },
): Promise<Identity> {
  const core = target.kc.makeApiClient(CoreV1Api);
  const request = await core.createNamespacedServiceAccountToken({
    namespace,
    name,
    body: { spec: { expirationSeconds: 3600, audiences: [] } },
  });
  const token = request.status?.token ?? '';
  if (!token) throw new Error(`no token issued for ServiceAccount ${namespace}/${name}`);
  const kubeconfig = path.join(mkdtempSync(path.join(os.tmpdir(), 'sa-kubeconfig-')), 'config');
  const user = `system:serviceaccount:${namespace}:${name}`;
  writeFileSync(
    kubeconfig,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'lab', cluster: { server: target.apiServer, 'insecure-skip-tls-verify': true } }],
      users: [{ name: user, user: { token } }],
      contexts: [{ name: context, context: { cluster: 'lab', user } }],
      'current-context': context,
    }),
    { mode: 0o600 },
  );
  return { user, kubeconfig, context, token };
}

/** Environment for a CLI run as `identity`: only its kubeconfig, the lab's Temporal. */
export function identityEnv(identity: Identity, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    KUBECONFIG: identity.kubeconfig,
    TEMPORAL_ADDRESS: lab().temporalAddress,
    TEMPORAL_NAMESPACE: lab().temporalNamespace,
    TEMPORAL_UI_URL: '',
    NO_COLOR: '1',
    ...extra,
  };
}

/** Runs `metallb-runbooks <args>` (the compiled CLI) to the end. */
export function runAs(args: readonly string[], env: NodeJS.ProcessEnv) {
  const result = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', env, timeout: 120_000 });
  return { status: result.status, stdout: result.stdout, stderrLines: result.stderr.split('\n').filter(Boolean) };
}

/** `$(VAR)` in a container's command, expanded as the kubelet does from the container's environment. */
export function expandContainerVars(args: readonly string[], vars: Record<string, string>): string[] {
  return args.map((arg) =>
    arg.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, name: string) => vars[name] ?? whole),
  );
}

/** The worker container's command line with its $(VARS) from the ConfigMap, pointed at this lab and `cluster`. */
export function workerCommandLine(objects: readonly KubernetesObject[], cluster: string): string[] {
  const deployment = ofKind(objects, 'Deployment')[0] as unknown as {
    spec: { template: { spec: { containers: { command: string[]; args?: string[] }[] } } };
  };
  const container = deployment.spec.template.spec.containers[0]!;
  const config = (ofKind(objects, 'ConfigMap')[0] as V1ConfigMap).data ?? {};
  const vars = {
    ...config,
    METALLB_CLUSTER: cluster,
    TEMPORAL_ADDRESS: lab().temporalAddress,
    TEMPORAL_NAMESPACE: lab().temporalNamespace,
  };
  return expandContainerVars([...container.command, ...(container.args ?? [])], vars);
}

/** The image's entry point on this machine: `metallb-runbooks` is bin/metallb-runbooks.js under this node. */
export function localCommand(command: readonly string[]): { file: string; args: string[] } {
  if (command[0] !== 'metallb-runbooks') throw new Error(`the container runs ${command[0]}, not metallb-runbooks`);
  return { file: process.execPath, args: [bin, ...command.slice(1)] };
}

export interface ChildWorker {
  process: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}

/** Starts a command line as a worker and resolves once it polls its task queue. */
export async function startWorkerCommand(command: readonly string[], env: NodeJS.ProcessEnv): Promise<ChildWorker> {
  const { file, args } = localCommand(command);
  const child = spawn(file, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await eventually(
    'the worker to poll its task queue',
    () => {
      if (child.exitCode !== null) throw new Error(`the worker exited: ${output}`);
      return output.includes('polling metallb-runbooks.') ? true : undefined;
    },
    { timeoutMs: 60_000 },
  );
  return {
    process: child,
    output: () => output,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The lab API server's audit log (ServiceAccount requests only; lab/audit.ts). */
export function auditLogFile(): string {
  const file = lab().auditLog;
  if (!file || !existsSync(file)) {
    throw new Error(
      `lab "${lab().name}" has no audit log: its API server started before lab/audit.ts; ` +
        `run \`npm run lab -- --name ${lab().name} down\` and up again`,
    );
  }
  return file;
}

/** The byte offset the log has reached: calls after it belong to what runs next. */
export const auditMark = (): number => readFileSync(auditLogFile()).length;

/**
 * The resource requests `user` made since `mark`. The audit backend writes each event before the response
 * is sent, so everything a finished command asked for is already in the file.
 */
export function auditedCallsSince(mark: number, user: string): AuditedCall[] {
  const text = readFileSync(auditLogFile()).subarray(mark).toString('utf8');
  return parseAuditLog(text).filter((entry) => entry.user === user);
}

/**
 * Calls the declared rules must answer for: those allowed by a binding of ours and those refused. Requests every
 * authenticated identity may make (SelfSubjectReview, SelfSubjectAccessReview: `system:basic-user`) are not ours.
 */
export function callsOurRulesDecide(audited: readonly AuditedCall[]): AuditedCall[] {
  return audited.filter((entry) => !entry.allowed || /metallb-runbooks/.test(entry.reason));
}
