// Check 3: LoadBalancer Services MetalLB serves that have no external IP, with the controller's
// latest word on them (AllocationFailed / ClearAssignment events) and the likely cause.
import type { KubeEvent } from '../kube-schemas.js';
import { orphanPlanFor } from '../orphans.js';
import type { DiagnoseContext, Rule } from './context.js';
import { findingsOf } from './finding.js';
import { cleanupOrphansFix, editPoolCommand, manualFix, restartControllerFix } from './fixes.js';
import type { Finding, Fix } from './report.js';
import { annotation, serviceRef, type ServiceView } from './services.js';

export type PendingCause =
  'no-pools' | 'pool-exhausted' | 'unknown-pool' | 'request-not-allowed' | 'controller-down' | 'unknown';

const finding = findingsOf('pending-services');

const CONTROLLER_REASONS = new Set([
  'AllocationFailed',
  'ClearAssignment',
  'LoadBalancerFailed',
  'nolbIPsIPFamily',
  'noclusterIPsIPFamily',
  'not enough clusterips',
]);

const REQUEST_ERRORS = new RegExp(
  [
    'not allowed in config',
    'not compatible',
    'already in use',
    'sharing key',
    'does not allow sharing',
    'can not have both',
    'invalid',
    'does not match the ipFamily',
  ].join('|'),
);

export function latestControllerEvent(ctx: DiagnoseContext, view: ServiceView): KubeEvent | null {
  return (ctx.serviceEvents.get(view.key) ?? []).find((e) => CONTROLLER_REASONS.has(e.reason ?? '')) ?? null;
}

/** Cause of a pending Service, from the state of the pools and the latest controller event. */
export function pendingCause(ctx: DiagnoseContext, event: KubeEvent | null): PendingCause {
  const message = event?.message ?? '';
  if (ctx.pools.length === 0) return 'no-pools';
  if (message.includes('no available IPs')) return 'pool-exhausted';
  if (message.includes('unknown pool')) return 'unknown-pool';
  if (REQUEST_ERRORS.test(message)) return 'request-not-allowed';
  if (ctx.controllerState === 'unavailable' || ctx.controllerState === 'missing') return 'controller-down';
  return 'unknown';
}

const CAUSE_TEXT: Record<PendingCause, string> = {
  'no-pools':
    "There is no IPAddressPool in MetalLB's namespace, so nothing can be allocated (MetalLB logs this only at " +
    'debug level).',
  'pool-exhausted': 'Every pool this Service may use is full; see the pool-exhausted finding.',
  'unknown-pool': 'The Service asks for a pool that does not exist; see the address-pool-missing finding.',
  'request-not-allowed':
    'The Service asks for something the current pools do not allow; see the unmet-requests findings.',
  'controller-down': 'The MetalLB controller is not running, so nobody allocates IPs.',
  unknown:
    'No MetalLB event explains it (events expire after an hour); check that the controller handles this Service.',
};

function exhaustedPoolFix(ctx: DiagnoseContext, view: ServiceView): Fix {
  const pool = annotation(view.service, 'address-pool') ?? (ctx.pools.length === 1 ? ctx.pools[0]!.name : null);
  const command = pool
    ? editPoolCommand(ctx.namespace, pool)
    : `kubectl -n ${ctx.namespace ?? 'metallb-system'} get ipaddresspools`;
  return manualFix(command, 'Add addresses to the pool, or free IPs by deleting LoadBalancer Services nobody uses.');
}

function fixFor(ctx: DiagnoseContext, view: ServiceView, cause: PendingCause): Fix {
  const ns = ctx.namespace ?? 'metallb-system';
  switch (cause) {
    case 'pool-exhausted':
      return exhaustedPoolFix(ctx, view);
    case 'unknown-pool':
    case 'request-not-allowed':
      // Only what cleanup-orphans itself judges an orphan (the event may be older than the current state).
      return orphanPlanFor(ctx, view) === null
        ? describeServiceFix(view)
        : cleanupOrphansFix(
            view.key,
            `Removes the request MetalLB cannot meet from ${view.key} so it allocates from the current pools.`,
          );
    case 'no-pools':
      return manualFix(
        `kubectl -n ${ns} get ipaddresspools,l2advertisements,bgpadvertisements`,
        'Create an IPAddressPool and an L2Advertisement or BGPAdvertisement for it.',
      );
    case 'controller-down':
      return restartControllerFix('Restarts the MetalLB controller so it allocates IPs again.');
    case 'unknown':
      return describeServiceFix(view);
  }
}

function describeServiceFix(view: ServiceView): Fix {
  return manualFix(
    `kubectl -n ${view.namespace} describe service ${view.name}`,
    "Read the Service events and compare its spec.loadBalancerClass with the controller's --lb-class.",
  );
}

function eventText(event: KubeEvent | null): string {
  if (event === null) return 'no MetalLB event';
  const when = event.lastTime === null ? '' : ` at ${event.lastTime}`;
  return `last event ${event.reason}${when}: ${event.message ?? ''}`.trim();
}

function pendingFinding(ctx: DiagnoseContext, view: ServiceView): Finding {
  const event = latestControllerEvent(ctx, view);
  const cause = pendingCause(ctx, event);
  return finding({
    id: 'service-pending',
    severity: 'error',
    title: `Service ${view.key} has no external IP (${eventText(event)})`,
    detail: CAUSE_TEXT[cause],
    objects: [serviceRef(view)],
    fix: fixFor(ctx, view, cause),
    data: {
      cause,
      event:
        event === null
          ? null
          : { reason: event.reason, message: event.message, time: event.lastTime, count: event.count },
    },
  });
}

export const findPendingServices: Rule = (ctx) => ctx.pending.map((view) => pendingFinding(ctx, view));
