// Who asked for a change or decided on it. The Kubernetes identity is what the API server reported
// for the person's own credentials at request time (a SelfSubjectReview), never a name they typed.
// Pure: workflow code imports it.

/** A user as the API server authenticated them. */
export interface KubeIdentity {
  username: string;
  groups: string[];
}

/** Who did something: the API server's identity (null when the cluster could not say), the OS user, the client. */
export interface Actor {
  kubernetes: KubeIdentity | null;
  /** Why `kubernetes` is null (e.g. the cluster predates SelfSubjectReview), else null. */
  kubernetesUnknownBecause: string | null;
  osUser: string;
  /** The Temporal client identity the request was sent with (free text: never used to decide). */
  temporalIdentity: string;
  /** A name given on the command line (--requested-by, --as): shown, never used to decide. */
  label: string;
}

/** The name a record and a table show for an actor: the Kubernetes user when known, else the name given. */
export function actorName(actor: Pick<Actor, 'kubernetes' | 'label'>): string {
  return actor.kubernetes?.username ?? actor.label;
}

/**
 * Whether two actors are the same person for the approval rule: by their Kubernetes usernames when both are
 * known; otherwise by the names shown (so an unknown identity can never approve a change requested by its name).
 */
export function sameActor(left: Actor, right: Actor): boolean {
  if (left.kubernetes && right.kubernetes) return left.kubernetes.username === right.kubernetes.username;
  return actorName(left) === actorName(right) || left.label === right.label || left.osUser === right.osUser;
}

/** A decision at apply's approval gate, as recorded (refused ones too: a self-approval is kept). */
export interface GateDecision {
  verb: 'approve' | 'reject';
  by: Actor;
  at: string;
  reason: string | null;
  /** Why the gate refused it (e.g. the requester approving their own change), else null. */
  refused: string | null;
}
