// What each fix runbook wrote, as the audit record's object-by-object, field-by-field diff, built
// from what its activities reported and the Services as read before. Pure: workflow code imports it.
import type { ChangePlan, ObjectChange } from '../plan/types.js';
import { stepTarget, type AppliedStep } from '../runbooks/apply.js';
import type { ServicePin } from '../runbooks/pins.js';
import type { ServiceFacts } from '../runbooks/service-facts.js';
import { fieldDiff, type FieldChange } from './diff.js';
import type { ObjectDiff, RecordedPlan } from './record.js';

/** The path of an annotation, bracketed: keys hold dots and slashes. */
const annotationPath = (key: string) => `metadata.annotations[${JSON.stringify(key)}]`;

/** `kubectl rollout restart`'s write: the pod template's restartedAt annotation. */
export function restartDiff(workload: { kind: string; namespace: string; name: string }, token: string): ObjectDiff {
  const path = `spec.template.${annotationPath('kubectl.kubernetes.io/restartedAt')}`;
  const object = `${workload.kind}/${workload.namespace}/${workload.name}`;
  return { object, action: 'restart', fields: [{ path, after: token }], by: 'restart' };
}

/** cleanup-orphans: the requests removed from each Service and the stale ingress cleared. */
export function cleanupDiff(
  before: readonly ServiceFacts[],
  released: readonly { service: string; removed: string[] }[],
  cleared: readonly { service: string; cleared: string[] }[],
): ObjectDiff[] {
  const factsOf = (service: string) => before.find((facts) => facts.key === service);
  const removals = released
    .filter((release) => release.removed.length > 0)
    .map((release): ObjectDiff => {
      const facts = factsOf(release.service);
      const fields = release.removed.map((field): FieldChange => {
        if (field === 'spec.loadBalancerIP') return { path: field, before: facts?.loadBalancerIP ?? undefined };
        return { path: annotationPath(field), before: facts?.annotations[field] };
      });
      return { object: `Service/${release.service}`, action: 'update', fields, by: 'release-requests' };
    });
  const clears = cleared
    .filter((clear) => clear.cleared.length > 0)
    .map((clear): ObjectDiff => ({
      object: `Service/${clear.service}`,
      action: 'update',
      fields: [{ path: 'status.loadBalancer.ingress', before: clear.cleared.map((ip) => ({ ip })), after: [] }],
      by: 'clear-ingress',
    }));
  return [...removals, ...clears];
}

/** reapply-config in place: objects re-encoded (same spec, new resourceVersion) and CRDs' storedVersions trimmed. */
export function rewriteDiff(
  rewrites: readonly { ref: string; rewritten: boolean; resourceVersionBefore: string; resourceVersionAfter: string }[],
  trims: readonly { crd: string; before: string[]; after: string[] }[],
): ObjectDiff[] {
  const rewritten = rewrites
    .filter((rewrite) => rewrite.rewritten)
    .map((rewrite): ObjectDiff => ({
      object: rewrite.ref,
      action: 'rewrite',
      fields: [
        {
          path: 'metadata.resourceVersion',
          before: rewrite.resourceVersionBefore,
          after: rewrite.resourceVersionAfter,
        },
      ],
      by: 'rewrite-config',
    }));
  const trimmed = trims.map((trim): ObjectDiff => ({
    object: `CustomResourceDefinition/${trim.crd}`,
    action: 'update',
    fields: [{ path: 'status.storedVersions', before: trim.before, after: trim.after }],
    by: 'trim-stored-versions',
  }));
  return [...rewritten, ...trimmed];
}

/** reapply-config --recreate: every object deleted and re-created with its spec unchanged; the pins it held. */
export function recreateDiff(
  refs: readonly string[],
  pinned: readonly ServicePin[],
  annotations: string[],
): ObjectDiff[] {
  const pinFields = (pin: ServicePin, pinnedNow: boolean): FieldChange[] =>
    annotations.map((key) => ({ path: annotationPath(key), [pinnedNow ? 'after' : 'before']: pin.ips.join(',') }));
  return [
    ...refs.map((ref): ObjectDiff => ({ object: ref, action: 'delete', fields: [], by: 'delete-config' })),
    ...refs.map((ref): ObjectDiff => ({ object: ref, action: 'create', fields: [], by: 'recreate-config' })),
    ...pinned.flatMap((pin): ObjectDiff[] => [
      { object: `Service/${pin.service}`, action: 'pin', fields: pinFields(pin, true), by: 'pin-ips' },
      { object: `Service/${pin.service}`, action: 'unpin', fields: pinFields(pin, false), by: 'unpin-ips' },
    ]),
  ];
}

function appliedAction(step: AppliedStep): ObjectDiff['action'] {
  if (step.outcome === 'pinned') return 'pin';
  if (step.outcome === 'unpinned') return 'unpin';
  if (step.outcome === 'created') return 'create';
  if (step.outcome === 'deleted') return 'delete';
  return 'update';
}

/**
 * apply: each plan step as applied, its object's spec before and after, field by field. An update names only
 * the fields the plan changes: the API server fills the others with its defaults, which the files omit.
 */
export function appliedDiff(applied: readonly AppliedStep[], changes: readonly ObjectChange[]): ObjectDiff[] {
  const planned = new Map(changes.map((change) => [`${change.kind}/${change.name}`, change.fields]));
  const inPlan = (target: string, path: string) =>
    (planned.get(target) ?? []).some((field) => path === field || path.startsWith(`${field}.`));
  return applied
    .filter((step) => step.outcome !== 'unchanged')
    .map((step) => {
      const pins = step.action === 'pin-services' || step.action === 'unpin-services';
      const fields = fieldDiff(step.before, step.after, pins ? 'ips' : 'spec');
      const kept = step.action === 'update' ? fields.filter((field) => inPlan(step.target, field.path)) : fields;
      return { object: step.target, action: appliedAction(step), fields: kept, by: `step ${step.index}` };
    });
}

/** The plan as the audit record keeps it: steps, per-object changes, and the Services it expected to move. */
export function recordedPlan(plan: ChangePlan): RecordedPlan {
  return {
    basedOn: plan.basedOn,
    steps: plan.steps.map((step, index) => ({
      index: index + 1,
      action: step.action,
      target: stepTarget(step),
      why: step.why,
    })),
    changes: plan.changes.map((change) => ({
      action: change.action,
      object: `${change.kind}/${change.name}`,
      fields: change.fields,
    })),
    impact: plan.impact
      .filter((service) => service.outcome !== 'keeps')
      .map((service) => ({
        service: `${service.namespace}/${service.name}`,
        outcome: service.outcome,
        before: service.before,
        after: service.after,
      })),
  };
}
