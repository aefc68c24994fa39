// What the CLI says when a command's own cluster read failed: the kube/ calls raise every Kubernetes error as an
// ApplicationFailure typed from domain/failures.ts (the same one the workers raise), and outside a run each means
// the cluster could not be read as asked. Duck-typed, so that `--version` loads no Temporal code.

/** What to do, by failure type; a type not listed gets the general hint. */
const hints: Record<string, string> = {
  KubeForbidden: "this identity's RBAC does not allow it: use a --context whose user may, or grant deploy/'s roles",
  KubeUnauthorized: 'the API server does not accept these credentials: renew them or pick another --context',
  KubeNetwork: 'check the server address in the kubeconfig (--kubeconfig, --context) and that the API server is up',
  KubeTls: 'check the server address and CA in the kubeconfig (--kubeconfig, --context)',
  MetallbNotFound: 'install MetalLB, or point --context at the cluster that runs it',
};
const generalHint = 'check --kubeconfig and --context';

/** A cluster read that failed in the CLI process: exit 2 and the line to print; null for any other error. */
export function clusterFailure(error: unknown): { exitCode: 2; message: string } | null {
  const { name, type, message } = (error ?? {}) as { name?: unknown; type?: unknown; message?: unknown };
  if (name !== 'ApplicationFailure' || typeof type !== 'string' || typeof message !== 'string') return null;
  if (!type.startsWith('Kube') && type !== 'MetallbNotFound') return null;
  return { exitCode: 2, message: `${message}: ${hints[type] ?? generalHint}` };
}
