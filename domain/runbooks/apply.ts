// `apply`: the input and result of the apply-change workflow and the pure decisions it takes (is
// the plan safe, did it drift, who may approve, which Services must keep their IPs, how a step is
// undone). Free of Node APIs: workflow code imports it.
import { actorName, sameActor, type Actor } from '../audit/identity.js';
import type { BgpType, ChangePlan, ConfigObject, PlanStep, PruneScope, ServiceImpact } from '../plan/types.js';
import { canonicalJson, configKinds, entryRef, type BackupEntry, type ConfigBackup } from './backup.js';
import type { ServicePin } from './pins.js';
import type { ServiceFacts } from './service-facts.js';
import type { RunbookInput, RunbookResult } from './types.js';

/** The optional approval gate: the run waits this long for `approve` or `reject`, then rejects. */
export interface ApprovalGate {
  timeoutSeconds: number;
}

/** What `metallb-runbooks apply` starts the workflow with: the desired objects, never a plan. */
export interface ApplyChangeInput extends RunbookInput {
  /** Loaded from the files by the CLI (source never null); re-planned against the live cluster in the run. */
  desired: ConfigObject[];
  prune: PruneScope | null;
  allowIpChanges: boolean;
  approval: ApprovalGate | null;
  /** BGP implementation to plan for (default native). */
  bgpType?: BgpType;
  /**
   * TEST-ONLY SEAM: steps that replace the planner's (validation, impact and basedOn stay the
   * planner's). Honoured only by a worker started with METALLB_RUNBOOKS_TEST_SEAMS=1; any other
   * worker refuses the run before any write. The CLI never sets it.
   */
  testPlanSteps?: PlanStep[];
}

/** Where the approval gate stands. */
export type ApprovalStatus = 'not-required' | 'planning' | 'waiting' | 'approved' | 'rejected' | 'timed-out';

/** The approval gate of a run, as the `plan` query returns it. */
export interface ApprovalState {
  status: ApprovalStatus;
  requestedBy: string;
  /** ISO time the gate rejects at (null: no gate, or not reached yet). */
  deadline: string | null;
  decidedBy: string | null;
  reason: string | null;
}

/** What the `plan` query returns: the plan the run will apply (null before planning) and its gate. */
export interface PlannedChange {
  plan: ChangePlan | null;
  approval: ApprovalState;
}

/** `approve <workflowId>`: who approves (the name shown, and the identity the CLI established). */
export interface ApprovalRequest {
  approver: string;
  identity?: Actor;
}

/** `reject <workflowId>`: who rejects and why. */
export interface RejectRequest {
  rejecter: string;
  reason: string;
  identity?: Actor;
}

/** One plan step as applied: what it wrote, the object's spec before and after. */
export interface AppliedStep {
  /** 1-based position in the plan. */
  index: number;
  action: PlanStep['action'];
  /** "Kind/name", or the Services a pin step touched. */
  target: string;
  why: string;
  /** created, updated, deleted, unchanged (already as desired), pinned, unpinned. */
  outcome: string;
  /** The spec before (null: the object did not exist; pins: the IPs). */
  before: unknown;
  after: unknown;
}

/** What a finished apply returns: the runbook result plus every step with before/after. */
export interface ApplyResult extends RunbookResult {
  basedOn: string;
  steps: AppliedStep[];
  approvedBy: string | null;
}

/** At most this many Services are named in a refusal's one line; `plan -o json` lists every one. */
export const refusalServiceLimit = 50;

/** " (ns/a 192.0.2.1 -> 192.0.2.4, ns/b 192.0.2.2 -> pending)" for a refusal's Services. */
function affectedServices(services: readonly ServiceImpact[]): string {
  if (services.length === 0) return '';
  const ips = (list: readonly string[]) => (list.length > 0 ? list.join(',') : 'pending');
  const named = services
    .slice(0, refusalServiceLimit)
    .map((service) => `${service.namespace}/${service.name} ${ips(service.before)} -> ${ips(service.after)}`);
  const more = services.length > refusalServiceLimit ? `, and ${services.length - refusalServiceLimit} more` : '';
  return ` (${named.join(', ')}${more})`;
}

/** Why a plan may not be applied (invalid or unsafe), one line; null when it may. */
export function planRefusal(plan: ChangePlan): string | null {
  if (!plan.valid) {
    const problems = plan.problems.map((problem) => {
      const where = [problem.kind && problem.name ? `${problem.kind}/${problem.name}` : null, problem.field]
        .filter(Boolean)
        .join(' ');
      return where ? `${where}: ${problem.message}` : problem.message;
    });
    return `the desired config is invalid (${problems.length} problem(s)): ${problems.join('; ')}`;
  }
  if (!plan.safe || plan.refusals.length > 0) {
    const refusals = plan.refusals.map((refusal) => refusal.message + affectedServices(refusal.services ?? []));
    return `the change is unsafe: ${refusals.join('; ') || 'the planner refused it'}`;
  }
  return null;
}

/** Objects of the files outside MetalLB's namespace: refused before planning. */
export function foreignNamespaceRefusal(desired: readonly ConfigObject[], namespace: string): string | null {
  const foreign = desired.filter((object) => object.namespace !== namespace);
  if (foreign.length === 0) return null;
  const names = foreign.map((object) => `${object.kind}/${object.name} (namespace ${object.namespace})`);
  return `objects outside the MetalLB namespace ${namespace}: ${names.join(', ')}`;
}

/** Why the plan re-made at approval differs from the one shown for approval; null when it does not. */
export function planDrift(approved: ChangePlan, current: ChangePlan): string | null {
  if (approved.basedOn !== current.basedOn)
    return 'the live MetalLB config changed since the plan was made (fingerprint differs)';
  if (canonicalJson(approved.steps) !== canonicalJson(current.steps))
    return `the plan's steps differ now (${approved.steps.length} planned, ${current.steps.length} now)`;
  if (canonicalJson(approved.impact) !== canonicalJson(current.impact)) return "the Services' projected IPs differ now";
  return null;
}

/** Why the gate cannot take a decision now (nothing is recorded), one line; null when it can. */
export function decisionRefusal(state: ApprovalState): string | null {
  if (state.status !== 'waiting') return `this change is not waiting for approval (approval ${state.status})`;
  return null;
}

/**
 * Why `decider` may not take this decision (recorded, then refused): no identity, or the requester approving
 * their own change (compared by Kubernetes username when both are known). Null when they may.
 */
export function deciderRefusal(requester: Actor, decider: Actor, verb: 'approve' | 'reject'): string | null {
  const name = actorName(decider);
  if (!name.trim()) return `an identity is needed to ${verb}`;
  if (verb === 'approve' && sameActor(requester, decider))
    return `${name} requested this change and cannot approve it; someone else must`;
  return null;
}

/** A pin or unpin step (the others write one config object). */
export type PinStep = Extract<PlanStep, { pins: unknown }>;
/** An object write step: create, update or delete. */
export type ObjectStep = Exclude<PlanStep, PinStep>;

/** True for pin-services and unpin-services steps. */
export const isPinStep = (step: PlanStep): step is PinStep => 'pins' in step;

/** "Kind/name" of an object step, or the Services of a pin step. */
export function stepTarget(step: PlanStep): string {
  if (isPinStep(step)) return step.pins.map((pin) => `${pin.namespace}/${pin.name}`).join(', ') || 'no Service';
  return `${step.kind}/${step.name}`;
}

/**
 * The plan's steps in write groups: a step with followedImmediately is written together with the
 * next one (the two halves of a swap), and the controller is waited for once, after both.
 */
export function writeGroups(steps: readonly PlanStep[]): { first: number; steps: PlanStep[] }[] {
  const groups: { first: number; steps: PlanStep[] }[] = [];
  let open = false;
  steps.forEach((step, index) => {
    if (open) groups.at(-1)!.steps.push(step);
    else groups.push({ first: index, steps: [step] });
    open = !isPinStep(step) && step.followedImmediately === true;
  });
  return groups;
}

/** The pins of a pin step, as the pin activities take them. */
export function servicePins(step: PlanStep): ServicePin[] {
  if (!isPinStep(step)) return [];
  return step.pins.map((pin) => ({ service: `${pin.namespace}/${pin.name}`, ips: pin.ips }));
}

/** The backup entry of the object a step writes, or null when it did not exist at the backup. */
export function backedUpEntry(backup: ConfigBackup, kind: string, name: string): BackupEntry | null {
  return backup.objects.find((entry) => entry.kind === kind && entry.name === name) ?? null;
}

/** Where a desired object is written: its kind's plural, the version its manifest names. */
export function desiredEntry(
  step: { kind: string; name: string; manifest: Record<string, unknown> },
  namespace: string,
): BackupEntry {
  const known = configKinds.find((entry) => entry.kind === step.kind) ?? configKinds[2];
  const apiVersion = typeof step.manifest.apiVersion === 'string' ? step.manifest.apiVersion : 'metallb.io/v1beta1';
  const metadata = (step.manifest.metadata ?? {}) as { labels?: Record<string, string> };
  return {
    kind: known.kind,
    plural: known.plural,
    version: apiVersion.split('/').at(-1) ?? 'v1beta1',
    name: step.name,
    namespace,
    uid: '',
    resourceVersion: '',
    manifest: {
      apiVersion,
      kind: known.kind,
      metadata: { name: step.name, namespace, ...(metadata.labels ? { labels: metadata.labels } : {}) },
      spec: step.manifest.spec,
    },
  };
}

const heldBefore = (services: readonly ServiceFacts[]) => services.filter((svc) => svc.served && svc.ips.length > 0);

/**
 * Services that must hold exactly their IPs after every step: every served Service holding IPs
 * before the change whose projected outcome is to keep them (no projection: keep them).
 */
export function mustKeepIps(before: readonly ServiceFacts[], plan: ChangePlan): ServicePin[] {
  const moving = new Set(
    plan.impact.filter((impact) => impact.outcome !== 'keeps').map((impact) => `${impact.namespace}/${impact.name}`),
  );
  return heldBefore(before)
    .filter((svc) => !moving.has(svc.key))
    .map((svc) => ({ service: svc.key, ips: svc.ips }));
}

/** Services the plan expects to move or get an IP: at the end each must hold one inside a pool. */
export function mustBePlaced(plan: ChangePlan): string[] {
  return plan.impact
    .filter((impact) => impact.outcome === 'changes' || impact.outcome === 'gets')
    .map((impact) => `${impact.namespace}/${impact.name}`);
}

/** Every served Service holding IPs before the change, with them: what a rollback gives back. */
export function ipsBefore(before: readonly ServiceFacts[]): ServicePin[] {
  return heldBefore(before).map((svc) => ({ service: svc.key, ips: svc.ips }));
}

/** A written step, remembered so a rollback can undo it. */
export interface WrittenStep {
  step: PlanStep;
  /** The object as backed up (null: created by this run). */
  backedUp: BackupEntry | null;
  /** For a create: the object written, with the UID it got. */
  created: BackupEntry | null;
}

/** How to undo one written step: put the backed-up object back, or remove the created one. */
export type Undo = { restore: BackupEntry } | { remove: BackupEntry } | { unpin: string[] };

/** The undo of every written step, last written first (the reverse order keeps references valid). */
export function undoOrder(written: readonly WrittenStep[]): Undo[] {
  return [...written].reverse().flatMap((item): Undo[] => {
    const { step } = item;
    if (isPinStep(step)) return [];
    if (item.backedUp) return [{ restore: item.backedUp }];
    return item.created ? [{ remove: item.created }] : [];
  });
}

/** Objects on the cluster after a rollback that the backup does not have ("Kind/name"). */
export function extraObjects(backup: ConfigBackup, now: ConfigBackup): string[] {
  const wanted = new Set(backup.objects.map(entryRef));
  return now.objects.map(entryRef).filter((ref) => !wanted.has(ref));
}

/** What checkChangeHealth reports after a step (the activity's result shape). */
export interface StepHealth {
  controllerErrors: string[];
  speakerProblems: string[];
  newFindings: string[];
}

/** What might fix an unhealthy step without rolling back: a restart of the component that complains. */
export function remedyFor(health: StepHealth): 'restart-controller' | 'restart-speakers' | null {
  if (health.controllerErrors.length > 0) return 'restart-controller';
  if (health.speakerProblems.length > 0) return 'restart-speakers';
  return null;
}

/** What is wrong after a step, one line; null when nothing is. */
export function healthProblem(health: StepHealth): string | null {
  const parts = [
    ...health.controllerErrors.map((line) => `controller: ${line}`),
    ...health.speakerProblems.map((line) => `speaker: ${line}`),
    ...health.newFindings.map((line) => `diagnosis: ${line}`),
  ];
  return parts.length ? parts.join('; ') : null;
}

/**
 * True when every field of `desired` is in `live` with the same value: the API server fills in
 * defaults (a pool's autoAssign, avoidBuggyIPs), so a written object reads back with more fields.
 */
export function specContains(live: unknown, desired: unknown): boolean {
  if (Array.isArray(desired))
    return (
      Array.isArray(live) && live.length === desired.length && desired.every((item, i) => specContains(live[i], item))
    );
  if (desired !== null && typeof desired === 'object') return objectContains(live, desired as Record<string, unknown>);
  return canonicalJson(live ?? null) === canonicalJson(desired ?? null);
}

function objectContains(live: unknown, desired: Record<string, unknown>): boolean {
  if (live === null || typeof live !== 'object' || Array.isArray(live)) return false;
  const liveFields = live as Record<string, unknown>;
  return Object.entries(desired).every(([key, value]) => value === undefined || specContains(liveFields[key], value));
}

/**
 * Pools the plan creates or deletes. While a swap runs, the planner has advertisements name old and
 * new pools together, so "names a pool that does not exist" is expected for these until the end.
 */
export function poolsInTransit(plan: ChangePlan): string[] {
  const moved = plan.steps.filter(
    (step): step is ObjectStep => !isPinStep(step) && step.kind === 'IPAddressPool' && step.action !== 'update',
  );
  return [...new Set(moved.map((step) => step.name))].sort();
}
