// The validator's working view of a config: each object with its typed spec and its place in the
// order changes reach the cluster (live objects first, then documents as written). That order
// decides who refuses a problem between two objects: the webhook judges the object being admitted
// against those already stored, so the later object is the one refused.
import type {
  BFDProfileSpec,
  BGPAdvertisementSpec,
  BGPPeerSpec,
  CommunitySpec,
  L2AdvertisementSpec,
  PoolSpec,
} from './shapes.js';
import type { BgpType, ConfigObject, RejectedBy, ValidationProblem } from './types.js';

/** One object of the config with its spec as the API server would store it. */
export interface Entity<Spec> {
  object: ConfigObject;
  /** Position in the order changes reach the cluster. */
  order: number;
  spec: Spec;
}

/** Every MetalLB object of the namespace, by kind, each list in order. */
export interface ConfigModel {
  pools: Entity<PoolSpec>[];
  l2Advertisements: Entity<L2AdvertisementSpec>[];
  bgpAdvertisements: Entity<BGPAdvertisementSpec>[];
  peers: Entity<BGPPeerSpec>[];
  communities: Entity<CommunitySpec>[];
  bfdProfiles: Entity<BFDProfileSpec>[];
  bgpType: BgpType;
  /** e.g. `v0.16.1`; null = newest. */
  metallbVersion: string | null;
}

/** What a rule says about one field of one object. */
export interface Finding {
  on: Entity<unknown>;
  rule: string;
  by: RejectedBy;
  field: string | null;
  message: string;
}

/** Builds the contract's problem from a finding. */
export function toProblem(finding: Finding): ValidationProblem {
  const { object } = finding.on;
  return {
    rule: finding.rule,
    rejectedBy: finding.by,
    source: object.source,
    kind: object.kind,
    name: object.name,
    field: finding.field,
    message: finding.message,
  };
}

/** The object of `entities` that reaches the cluster last: the one whose admission meets the problem. */
export function latest(...entities: Entity<unknown>[]): Entity<unknown> {
  return entities.reduce((best, entity) => (entity.order > best.order ? entity : best));
}

/** A rule over the whole model. */
export type Rule = (model: ConfigModel) => Finding[];

/** Pools an advertisement selects: by name, by label, or all of them when it names none. */
export interface PoolSelection {
  all: boolean;
  names: readonly string[];
}
