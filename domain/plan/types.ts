// The shared vocabulary of `plan` and `apply`: what a desired-config file holds once loaded, what
// validation reports, and what a change plan is. Pure types: the loader, the validator, the
// planner, the CLI and the apply workflow all import these, and nothing else from each other.
import type { ClusterSnapshot } from '../snapshot.js';

/** Kinds a desired-config file may hold: MetalLB's configuration CRDs. */
export const configKinds = [
  'IPAddressPool',
  'L2Advertisement',
  'BGPAdvertisement',
  'BGPPeer',
  'Community',
  'BFDProfile',
] as const;

/** One of {@link configKinds}. */
export type ConfigKind = (typeof configKinds)[number];

/** Where a document came from: the operator must be able to find it. */
export interface DocumentSource {
  /** The path as given on the command line (or the dump's path). */
  file: string;
  /** 0-based position of the document in its file. */
  document: number;
  /** 1-based line where the document starts. */
  line: number;
}

/** One MetalLB config object: as written in a file, or as it is live on the cluster. */
export interface ConfigObject {
  kind: ConfigKind;
  apiVersion: string;
  name: string;
  /** As written, or the MetalLB namespace when the document names none. */
  namespace: string;
  /** labels of the object (for `--prune -l`). */
  labels: Record<string, string>;
  /** The manifest as written (apiVersion, kind, metadata, spec); never a status. */
  manifest: Record<string, unknown>;
  /** null: a live object the files do not mention. */
  source: DocumentSource | null;
}

/**
 * Who in a real cluster refuses the problem: `apiserver` (OpenAPI schema/CEL, so a server-side dry
 * run fails too), `webhook` (MetalLB's validating webhook), `controller` or `speaker` (accepted by
 * the API server, then refused when that component parses its config), `tool` (our own safety rule,
 * e.g. a document that is not a MetalLB kind, or a Secret inline in the input).
 */
export type RejectedBy = 'apiserver' | 'webhook' | 'controller' | 'speaker' | 'tool';

/** One thing wrong with the desired config. Every problem is reported at once. */
export interface ValidationProblem {
  /** Stable identifier of the rule, e.g. `pool-overlap`, `invalid-cidr`, `unknown-kind`. */
  rule: string;
  rejectedBy: RejectedBy;
  /** null when the problem is not tied to one document (e.g. a missing file). */
  source: DocumentSource | null;
  kind: string | null;
  name: string | null;
  /** JSON-path-like field, e.g. `spec.addresses[1]`; null for the whole object. */
  field: string | null;
  /** One line; MetalLB's own wording where MetalLB has a message for it. */
  message: string;
}

/** MetalLB's BGP implementation: their validation rules differ. */
export type BgpType = 'native' | 'frr' | 'frr-k8s';

/** What the config is validated and planned for. */
export interface PlanTarget {
  /** MetalLB namespace (objects elsewhere are refused). */
  namespace: string;
  /** e.g. `v0.16.1`; null = unknown (plan as the newest supported). */
  metallbVersion: string | null;
  bgpType: BgpType;
}

/** Which live objects `--prune` may delete. */
export type PruneScope = { all: true } | { selector: Record<string, string> };

/** A Service pinned to its IPs for the duration of a swap (rename, split, merge). */
export interface PlannedPin {
  namespace: string;
  name: string;
  ips: string[];
}

/** One write of the plan, applied and verified before the next. */
export type PlanStep =
  | (ObjectWrite & { action: 'create' | 'update'; manifest: Record<string, unknown> })
  | (ObjectWrite & { action: 'delete' })
  | { action: 'pin-services' | 'unpin-services'; pins: PlannedPin[]; why: string };

/** What every object write of a plan carries. */
export interface ObjectWrite {
  kind: ConfigKind;
  name: string;
  /** One line for progress and the plan output. */
  why: string;
  /**
   * true: the next step is written right after this one, without waiting for the controller in
   * between: the two halves of a swap whose overlap the webhook forbids (delete old, create new),
   * so the controller most likely sees both at once and the pinned Services keep their IPs.
   */
  followedImmediately?: boolean;
}

/** What the change does to one LoadBalancer Service. */
export type ServiceOutcome = 'keeps' | 'changes' | 'loses' | 'gets' | 'stays-pending';

/** One Service's projected fate. */
export interface ServiceImpact {
  namespace: string;
  name: string;
  before: string[];
  /** Expected IPs afterwards ([] = pending). */
  after: string[];
  outcome: ServiceOutcome;
  /** Why, in one line (e.g. `no pool covers 192.0.2.10 (pool "web" narrowed)`). */
  reason: string;
}

/** Why a valid plan is not safe to apply. */
export interface PlanRefusal {
  rule: string;
  message: string;
  /** Services affected, when the refusal is about them. */
  services?: ServiceImpact[];
}

/** One object's change between the live cluster and the desired config. */
export interface ObjectChange {
  action: 'create' | 'update' | 'delete' | 'unchanged';
  kind: ConfigKind;
  name: string;
  /** Changed fields of an update, e.g. `spec.addresses`. */
  fields: string[];
}

/** Everything `plan` decides; `apply` executes `steps` in order. Serialisable (JSON) as is. */
export interface ChangePlan {
  schemaVersion: 1;
  target: PlanTarget;
  /** No validation problem. */
  valid: boolean;
  /** Valid and no refusal: apply may proceed. */
  safe: boolean;
  problems: ValidationProblem[];
  refusals: PlanRefusal[];
  changes: ObjectChange[];
  /** Every LoadBalancer Service MetalLB serves, before and after. */
  impact: ServiceImpact[];
  /** Pools that would hold Services' IPs but no advertisement announces. */
  unannouncedPools: string[];
  steps: PlanStep[];
  /** Fingerprint of the live MetalLB config planned against: apply refuses a plan whose base drifted. */
  basedOn: string;
  /** Warnings and errors of the diagnosis engine on the projected cluster (absent: not computed). */
  projectedFindings?: ProjectedFinding[];
}

/** What a plan is computed from. */
export interface PlanInput {
  /** The live cluster (or a dump): Services, their IPs, and the live MetalLB config. */
  snapshot: ClusterSnapshot;
  /** Loaded from the files (source never null). */
  desired: ConfigObject[];
  prune: PruneScope | null;
  allowIpChanges: boolean;
  target: PlanTarget;
}

/** A warning or error the diagnosis engine finds on the projected cluster (added by the planner). */
export interface ProjectedFinding {
  severity: 'error' | 'warning';
  /** The diagnose check, e.g. `advertisements`. */
  check: string;
  id: string;
  title: string;
}
