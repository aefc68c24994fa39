// Who the API server says the caller is: a SelfSubjectReview (authentication.k8s.io/v1, Kubernetes
// 1.28+) made with the caller's own credentials, so the audit record names a user the cluster knows.
import { AuthenticationV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { KubeIdentity } from '../domain/audit/identity.js';
import { classifyKubeError } from '../domain/kube-errors.js';

/** The caller's identity, or why the cluster could not tell it. */
export type WhoAmI = { identity: KubeIdentity; unknownBecause: null } | { identity: null; unknownBecause: string };

/** Asks the API server who `kc`'s current user is. Never throws: the reason is returned instead. */
export async function whoAmI(kc: KubeConfig): Promise<WhoAmI> {
  try {
    const review = await kc.makeApiClient(AuthenticationV1Api).createSelfSubjectReview({
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
    });
    const user = review.status?.userInfo;
    if (!user?.username) return { identity: null, unknownBecause: 'the API server returned no username' };
    return { identity: { username: user.username, groups: user.groups ?? [] }, unknownBecause: null };
  } catch (error) {
    const classified = classifyKubeError(error);
    return { identity: null, unknownBecause: `SelfSubjectReview failed: ${classified.message}` };
  }
}
