// The common kubeconfig (one file; a token, a client certificate or a username and password; a CA or
// insecure-skip-tls-verify) read without @kubernetes/client-node, for the read-only commands that must
// start fast. Anything else (several files in $KUBECONFIG, exec or auth-provider plugins, impersonation,
// in-cluster credentials, a file or context that is missing) returns undefined: the caller then loads
// client-node's KubeConfig, which resolves it, or fails with the one error line kube/client.ts words.
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import type { ClusterAccess } from './access.js';
import { defaultKubeRequestTimeoutMs, type ClusterEndpoint } from './endpoint.js';

const ClusterSchema = z.strictObject({
  server: z.string().min(1),
  'certificate-authority': z.string().optional(),
  'certificate-authority-data': z.string().optional(),
  'insecure-skip-tls-verify': z.boolean().optional(),
  'tls-server-name': z.string().optional(),
  'proxy-url': z.string().optional(),
  extensions: z.unknown().optional(),
});

// Strict: a key this reader does not know (exec, auth-provider, as, ...) means client-node must read the file.
const UserSchema = z.strictObject({
  token: z.string().optional(),
  'token-file': z.string().optional(),
  'client-certificate': z.string().optional(),
  'client-certificate-data': z.string().optional(),
  'client-key': z.string().optional(),
  'client-key-data': z.string().optional(),
  username: z.string().optional(),
  password: z.string().optional(),
  extensions: z.unknown().optional(),
});

const KubeconfigSchema = z.looseObject({
  'current-context': z.string().optional(),
  clusters: z.array(z.object({ name: z.string(), cluster: z.looseObject({}) })).nullish(),
  users: z.array(z.object({ name: z.string(), user: z.looseObject({}).nullish() })).nullish(),
  contexts: z
    .array(z.object({ name: z.string(), context: z.looseObject({ cluster: z.string(), user: z.string().optional() }) }))
    .nullish(),
});

/** The one kubeconfig file to read, or undefined when client-node's search rules are needed. */
function kubeconfigFile(access: ClusterAccess): string | undefined {
  if (access.kubeconfig) return access.kubeconfig;
  const fromEnvironment = process.env['KUBECONFIG'];
  if (fromEnvironment !== undefined) {
    const files = fromEnvironment.split(path.delimiter).filter(Boolean);
    return files.length === 1 ? files[0] : undefined;
  }
  if (process.env['KUBERNETES_SERVICE_HOST']) return undefined;
  return path.join(os.homedir(), '.kube', 'config');
}

/** A file path in the kubeconfig is relative to the kubeconfig's directory, as client-node reads it. */
const bytes = (directory: string, file: string | undefined, data: string | undefined): Buffer | undefined =>
  file ? readFileSync(path.resolve(directory, file)) : data ? Buffer.from(data, 'base64') : undefined;

function authorization(user: UserSpec): Record<string, string> | undefined {
  if (user['token-file'] && !path.isAbsolute(user['token-file'])) return undefined;
  const token = user['token-file'] ? readFileSync(user['token-file'], 'utf8').trim() : user.token;
  if (token) return { Authorization: `Bearer ${token}` };
  if (user.username) {
    const basic = Buffer.from(`${user.username}:${user.password ?? ''}`).toString('base64');
    return { Authorization: `Basic ${basic}` };
  }
  return {};
}

type ClusterSpec = z.infer<typeof ClusterSchema>;
type UserSpec = z.infer<typeof UserSchema>;

/** The entry of a kubeconfig list with this name (its `cluster`, `user` or `context` field). */
function entryNamed<T extends { name: string }>(list: readonly T[] | null | undefined, name: string | undefined) {
  return name === undefined ? undefined : list?.find((entry) => entry.name === name);
}

/** The context's cluster and user entries, each validated; undefined when either is missing or unknown. */
function contextEntries(config: z.infer<typeof KubeconfigSchema>, name: string) {
  const context = entryNamed(config.contexts, name)?.context;
  if (!context) return undefined;
  const cluster = ClusterSchema.safeParse(entryNamed(config.clusters, context.cluster)?.cluster);
  const user = UserSchema.safeParse(entryNamed(config.users, context.user)?.user ?? undefined);
  return cluster.success && user.success && user.data ? { cluster: cluster.data, user: user.data } : undefined;
}

function tlsOf(directory: string, cluster: ClusterSpec, user: UserSpec): ClusterEndpoint['tls'] {
  return {
    ca: bytes(directory, cluster['certificate-authority'], cluster['certificate-authority-data']),
    cert: bytes(directory, user['client-certificate'], user['client-certificate-data']),
    key: bytes(directory, user['client-key'], user['client-key-data']),
    rejectUnauthorized: cluster['insecure-skip-tls-verify'] ? false : undefined,
    servername: cluster['tls-server-name'],
  };
}

/** The parsed file's current (or named) context as an endpoint, or undefined when this reader cannot. */
function endpointOf(config: z.infer<typeof KubeconfigSchema>, directory: string, contextName: string | undefined) {
  const name = contextName ?? config['current-context'];
  const entries = name ? contextEntries(config, name) : undefined;
  const headers = entries ? authorization(entries.user) : undefined;
  if (!name || !entries || !headers) return undefined;
  const endpoint: ClusterEndpoint = {
    name,
    server: entries.cluster.server,
    tls: tlsOf(directory, entries.cluster, entries.user),
    headers,
    proxyUrl: entries.cluster['proxy-url'],
    requestTimeoutMs: defaultKubeRequestTimeoutMs,
  };
  return endpoint;
}

/**
 * The endpoint the access names, read directly from a plain kubeconfig; undefined when the file needs
 * client-node (or is not there: client-node's loader then says what is wrong).
 */
export function lightEndpoint(access: ClusterAccess): ClusterEndpoint | undefined {
  const file = kubeconfigFile(access);
  if (!file || !existsSync(file)) return undefined;
  try {
    const parsed = KubeconfigSchema.safeParse(parse(readFileSync(file, 'utf8')));
    return parsed.success ? endpointOf(parsed.data, path.dirname(path.resolve(file)), access.context) : undefined;
  } catch {
    // Unparsable YAML or an unreadable certificate file: client-node's loader words the error.
    return undefined;
  }
}
