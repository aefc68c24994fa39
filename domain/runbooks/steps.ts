// The one description of every runbook: its steps in order, each with the title progress shows,
// what it waits for on the cluster, what it does (for --dry-run and the README table) and how its
// result reads in one line. Workflows run these steps; the CLI and scripts/write-runbook-docs.ts
// print them. Pure: the result shapes are structural, so no layer above is imported.

/** One step of a runbook. `Value` is the step's result, as much of it as `detail` reads. */
export interface RunbookStep<Value = unknown> {
  id: string;
  title: string;
  /** What the step waits for on the cluster (always with a deadline); null for a step that only reads or writes. */
  waitsFor: string | null;
  /** What the step does, in the operator's words. */
  does: string;
  /** One line saying what happened, from the step's result. */
  detail?: (value: Value) => string;
}

/** Any step, whatever its result. */
export type AnyStep = RunbookStep<never>;

const step = <Value>(definition: RunbookStep<Value>): RunbookStep<Value> => definition;
const count = (items: readonly unknown[], what: string): string => `${items.length} ${what}`;

interface ServedList {
  services: readonly { served: boolean }[];
}

const locate = step({
  id: 'locate',
  title: 'Locate MetalLB',
  waitsFor: null,
  does: 'find the MetalLB controller Deployment and speaker DaemonSet (raw manifests or Helm)',
  detail: (found: { namespace: string; controller: string; speaker: string | null }) =>
    `MetalLB in ${found.namespace}: Deployment ${found.controller}, DaemonSet ${found.speaker ?? '(none)'}`,
});

const recordIps = step({
  id: 'record-ips',
  title: 'Record every Service IP',
  waitsFor: null,
  does: 'record every MetalLB Service and its IPs, to compare with afterwards',
  detail: (facts: ServedList) =>
    count(
      facts.services.filter((s) => s.served),
      'MetalLB Service(s)',
    ),
});

/** The final check of restart and reapply: scoped to what the runbook can break. */
const verifyIps = step({
  id: 'verify-ips',
  title: 'Verify no Service lost its IP',
  waitsFor: 'every Service that held an IP inside a pool before the run to still hold one',
  does:
    'check that every Service that held an IP inside a pool still holds one; report, without failing, ' +
    'Services pending or orphaned before the run and changes made by others meanwhile',
  detail: (checked: { kept: number }) => `none of the ${checked.kept} Service(s) that held an IP lost it`,
});

function restartSteps<Verified>(component: 'controller' | 'speakers', verifyLogs: RunbookStep<Verified>) {
  const kind = component === 'controller' ? 'Deployment' : 'DaemonSet';
  return {
    locate,
    recordIps,
    restart: step({
      id: 'restart',
      title: `Restart the ${component} (rollout-restart annotation)`,
      waitsFor: null,
      does:
        `patch the ${kind}'s spec.template.metadata.annotations["kubectl.kubernetes.io/restartedAt"] with the ` +
        'workflow start time (a retry starts no second rollout)' +
        (kind === 'DaemonSet' ? '; an OnDelete DaemonSet is refused before any write' : ''),
      detail: (done: { target: string; token: string; generation: number; changed: boolean }) =>
        `${done.target} restartedAt=${done.token} (generation ${done.generation}` +
        `${done.changed ? '' : ', already patched'})`,
    }),
    rollout: step({
      id: 'wait-rollout',
      title: `Wait for the ${component} rollout`,
      waitsFor: 'the new generation observed, every pod replaced and ready, no old pod left',
      does: 'wait until the rollout is observed complete, as `kubectl rollout status` and the pods show it',
      detail: (done: { message: string }) => done.message,
    }),
    verifyLogs,
    verifyIps,
  };
}

/** restart-controller's steps, in order. */
export const restartControllerSteps = restartSteps(
  'controller',
  step({
    id: 'verify-logs',
    title: 'Verify the new controller loaded its configuration',
    waitsFor: 'each new controller pod to log "config reloaded", with no configuration error',
    does:
      'wait for the new controller to log "config reloaded"; fail on a configuration error; report ' +
      'allocation errors (a Service pending before the restart stays pending)',
    detail: (pods: readonly { pod: string; allocationErrors?: readonly string[] }[]) =>
      pods
        .map((p) => `${p.pod}: config loaded, ${p.allocationErrors?.length ?? 0} allocation error(s) logged`)
        .join('; '),
  }),
);

/** restart-speakers' steps, in order. */
export const restartSpeakersSteps = restartSteps(
  'speakers',
  step({
    id: 'verify-logs',
    title: 'Verify no new speaker reports a rejected configuration',
    waitsFor: 'no speaker ConfigurationState Invalid or left from a replaced pod, no rejection in the logs',
    does: 'fail if a new speaker reports a rejected configuration (log or ConfigurationState)',
    detail: (checked: { statesChecked: number; logLines: number }) =>
      `${checked.statesChecked} speaker ConfigurationState(s), ${checked.logLines} log lines: ` +
      'no rejected configuration',
  }),
);

interface Refs {
  length: number;
}

/** Every step reapply-config can run, by name: both modes and the compensation. */
export const reapplySteps = {
  locate,
  recordIps,
  exportConfig: step({
    id: 'export-config',
    title: 'Back up every MetalLB config object',
    waitsFor: null,
    does: 'back up every MetalLB config object into the workflow history (Secrets by name only)',
    detail: (backup: { objects: Refs; secrets: Refs }) =>
      `${backup.objects.length} object(s), ${backup.secrets.length} referenced Secret(s) by name`,
  }),
  rewrite: step({
    id: 'rewrite-config',
    title: 'Rewrite each object in place at the storage version',
    waitsFor: null,
    does: 'rewrite each object unchanged, so the API server stores it at the storage version; no deletion',
    detail: (rewrites: readonly { rewritten: boolean }[]) =>
      `${rewrites.filter((r) => r.rewritten).length} of ${rewrites.length} object(s) re-encoded; ` +
      'the others were already current',
  }),
  trim: step({
    id: 'trim-stored-versions',
    title: 'Drop old versions from the CRDs storedVersions',
    waitsFor: null,
    does: "drop versions no object is stored at any more from each MetalLB CRD's status.storedVersions",
    detail: (trims: readonly { crd: string; before: readonly string[]; after: readonly string[] }[]) =>
      trims.length
        ? trims.map((r) => `${r.crd}: [${r.before.join(',')}] -> [${r.after.join(',')}]`).join('; ')
        : 'nothing to trim',
  }),
  pin: step({
    id: 'pin-ips',
    title: 'Pin every healthy Service to its current IP',
    waitsFor: null,
    does:
      'annotate every healthy Service without a request of its own with its current IPs, in the annotation ' +
      'the running MetalLB version reads (refused before any write when it reads none)',
    detail: (outcome: { pinned: Refs; skipped: Refs; alreadyRequested: number }) =>
      `${outcome.pinned.length} pinned, ${outcome.alreadyRequested} already request their IPs` +
      `${outcome.skipped.length ? `, ${outcome.skipped.length} skipped` : ''}`,
  }),
  delete: step({
    id: 'delete-config',
    title: 'Delete the config objects (advertisements first)',
    waitsFor: null,
    does: 'delete every config object, advertisements first, pools last',
    detail: (deleted: { count: number }) => `${deleted.count} object(s) deleted`,
  }),
  waitDeleted: step({
    id: 'wait-deletions-processed',
    title: 'Wait for the controller to process the deletions',
    waitsFor: 'objects gone and the controller done with them (pinned Services cleared, or "config reloaded" logged)',
    does: 'wait until the objects are gone and the controller has processed it',
    detail: (processed: { evidence: string }) => processed.evidence,
  }),
  recreate: step({
    id: 'recreate-config',
    title: 'Re-create the objects from the backup (pools with autoAssign held off)',
    waitsFor: null,
    does: 'create every object from the backup, pools first, with autoAssign off until the pins hold',
    detail: (created: number) => `${created} object(s) created`,
  }),
  waitIps: step({
    id: 'wait-ips-back',
    title: 'Wait for every pinned Service to get its IP back',
    waitsFor: 'every pinned or watched Service to hold its previous IPs',
    does: 'wait until every pinned or watched Service holds exactly its previous IPs',
    detail: (back: Refs) => `${back.length} Service(s) have their IPs back`,
  }),
  releaseAutoAssign: step({
    id: 'release-auto-assign',
    title: 'Give the pools back their autoAssign',
    waitsFor: null,
    does: 'give every pool back the autoAssign of the backup (the field removed if it had none)',
    detail: (pools: number) => `${pools} pool(s) back to their own autoAssign`,
  }),
  unpin: step({
    id: 'unpin-ips',
    title: 'Remove the pins this run added',
    waitsFor: null,
    does: "remove the pins, only from Services that carry this run's marker",
    detail: (removed: { unpinned: Refs }) => `${removed.unpinned.length} pin(s) removed`,
  }),
  verifyConfig: step({
    id: 'verify-config',
    title: 'Verify every object matches the backup',
    waitsFor: null,
    does: 'compare every object on the cluster with its backup',
    detail: (verified: { checked: number }) => `${verified.checked} object(s) identical to the backup`,
  }),
  verifyIps,
  restore: step({
    id: 'restore-config',
    title: 'Compensate: restore the backup (pools with autoAssign held off)',
    waitsFor: null,
    does: 'create or update every object of the backup, pools with autoAssign held off',
    detail: (actions: readonly string[]) =>
      actions.length ? actions.join(', ') : 'every object was already as in the backup',
  }),
  restoreIps: step({
    id: 'restore-wait-ips',
    title: 'Compensate: wait for every pinned Service to get its IP back',
    waitsFor: 'every pinned or watched Service to hold its previous IPs',
    does: 'wait until every pinned or watched Service holds its previous IPs; on a timeout, go on and report it',
    detail: (back: Refs) => `${back.length} Service(s) have their IPs back`,
  }),
  restoreAutoAssign: step({
    id: 'restore-auto-assign',
    title: 'Compensate: give the pools back their autoAssign',
    waitsFor: null,
    does: 'give every pool back its own autoAssign, whatever the wait before concluded',
    detail: (actions: readonly string[]) =>
      actions.length ? actions.join(', ') : 'every pool already had its own autoAssign',
  }),
  restoreUnpin: step({
    id: 'restore-unpin',
    title: 'Compensate: remove the pins this run added',
    waitsFor: null,
    does: "remove this run's pins, whatever the steps before concluded",
    detail: (removed: { unpinned: Refs }) => `${removed.unpinned.length} pin(s) removed`,
  }),
};

const reapply = reapplySteps;
/** reapply-config (in place), in order. */
export const inPlaceSteps: readonly AnyStep[] = [
  reapply.locate,
  reapply.recordIps,
  reapply.exportConfig,
  reapply.rewrite,
  reapply.trim,
  reapply.verifyIps,
];
/** reapply-config --recreate, in order (compensation not included). */
export const recreateSteps: readonly AnyStep[] = [
  reapply.locate,
  reapply.recordIps,
  reapply.exportConfig,
  reapply.pin,
  reapply.delete,
  reapply.waitDeleted,
  reapply.recreate,
  reapply.waitIps,
  reapply.releaseAutoAssign,
  reapply.unpin,
  reapply.verifyConfig,
  reapply.verifyIps,
];
/** Run instead of the rest after any failure past the first delete. */
export const compensationSteps: readonly AnyStep[] = [
  reapply.restore,
  reapply.restoreIps,
  reapply.restoreAutoAssign,
  reapply.restoreUnpin,
];

/** cleanup-orphans' steps, in order. */
export const cleanupOrphansSteps = {
  locate,
  find: step({
    id: 'find-orphans',
    title: 'Find the orphaned Services',
    waitsFor: null,
    does: 'find the orphaned Services (every one, or those named with --service; a healthy one is refused)',
    detail: (found: { orphans: readonly { service: string; reasons: readonly string[] }[] }) =>
      found.orphans.length
        ? found.orphans.map((o) => `${o.service}: ${o.reasons.join('; ')}`).join(' | ')
        : 'no orphaned Service',
  }),
  release: step({
    id: 'release-requests',
    title: 'Remove unservable IP requests and stale pool annotations',
    waitsFor: null,
    does: 'remove from each orphan the IP requests no pool can serve and annotations naming a missing pool',
    detail: (removed: Refs) => `${removed.length} field(s) removed`,
  }),
  clear: step({
    id: 'clear-ingress',
    title: 'Clear ingress IPs outside every pool the Service may use',
    waitsFor: null,
    does:
      "clear an orphan's status.loadBalancer while its IP is still outside every pool it may use " +
      '(pool gone or narrowed, serviceAllocation, split across pools, shared without agreement)',
    detail: (cleared: Refs) => `${cleared.length} Service(s) cleared`,
  }),
  waitIps: step({
    id: 'wait-new-ips',
    title: 'Wait for a new IP inside a pool',
    waitsFor: 'each cleaned Service to get an IP inside a pool',
    does: 'wait until each cleaned Service has an IP inside a pool',
  }),
  verify: step({
    id: 'verify',
    title: 'Verify the cleaned Services hold an IP inside a pool and no other Service lost its IP',
    waitsFor: 'each cleaned Service to hold an IP inside a pool, every other Service that held one to still hold it',
    does:
      'check the cleaned Services and every Service that held an IP inside a pool; report, without failing, ' +
      'orphans left alone and changes made by others meanwhile',
    detail: (checked: { kept: number }) =>
      `cleaned Services placed; none of the ${checked.kept} Service(s) that held an IP lost it`,
  }),
};

interface PlanSummary {
  plan: { steps: Refs; impact: readonly { outcome: string }[] };
}

/** Every step apply can run, by name; the per-plan-step ones are numbered with {@link nthStep}. */
export const applySteps = {
  locate,
  planChange: step({
    id: 'plan-change',
    title: 'Plan the change against the live cluster',
    waitsFor: null,
    does:
      "re-plan the desired objects against the live cluster (never the CLI's plan); refuse an invalid or " +
      'unsafe plan (unless --allow-ip-changes covers it) and objects outside the MetalLB namespace, before any write',
    detail: (planned: PlanSummary) =>
      `${planned.plan.steps.length} step(s); ` +
      `${planned.plan.impact.filter((impact) => impact.outcome !== 'keeps').length} Service(s) projected to change`,
  }),
  awaitApproval: step({
    id: 'await-approval',
    title: 'Wait for approval',
    waitsFor:
      '`metallb-runbooks approve <workflowId>` by someone other than the requester ' +
      '(reject or timeout: nothing written)',
    does:
      'show the plan (`plan` query) and wait for approve or reject; the requester cannot approve; ' +
      'a timeout rejects',
    detail: (decision: { by: string }) => `approved by ${decision.by}`,
  }),
  recheckPlan: step({
    id: 'recheck-plan',
    title: 'Check the approved plan against the live cluster',
    waitsFor: null,
    does:
      'plan again and compare with the approved plan (config fingerprint, steps, projected IPs); ' +
      'a drifted plan is refused before any write',
    detail: () => 'the approved plan still holds',
  }),
  recordIps,
  exportConfig: reapplySteps.exportConfig,
  write: step({
    id: 'write-step',
    title: 'Step',
    waitsFor: null,
    does:
      'write one plan step: create; update with the backed-up UID and the live resourceVersion as preconditions; ' +
      "delete with the backed-up UID; pin or unpin Services with this run's marker. A step followed immediately " +
      '(the halves of a swap) is written together with the next one. API 5xx ("failed calling webhook" while ' +
      'the controller restarts) and conflicts are retried',
    detail: (written: { outcomes: readonly string[] }) => written.outcomes.join('; '),
  }),
  waitProcessed: step({
    id: 'wait-processed',
    title: 'Wait for the controller to process it',
    waitsFor:
      'the objects to read back as written, the controller to log "config reloaded" after the write (pools, ' +
      'communities), every Service projected to keep its IPs to hold them',
    does:
      'wait until the controller has processed the write and no Service that must keep its IPs lost them; ' +
      'a controller that does not process it in time is restarted (restart-controller), then waited for again',
    detail: (processed: { evidence: string }) => processed.evidence,
  }),
  checkStep: step({
    id: 'check-step',
    title: 'Check the controller, the speakers and the diagnosis',
    waitsFor: 'diagnosis findings the cluster did not have before to clear',
    does:
      "read the controller's log since the write for configuration errors, the speakers for a rejected " +
      'configuration, and diagnose for findings the cluster did not have before (advertisements, config not ' +
      'loaded, orphaned IPs, unmet requests); controller errors restart the controller, speaker errors the speakers',
    detail: (health: { controllerErrors: Refs; speakerProblems: Refs; newFindings: Refs }) =>
      `${health.controllerErrors.length} controller error(s), ${health.speakerProblems.length} speaker ` +
      `problem(s), ${health.newFindings.length} new finding(s)`,
  }),
  restartController: step({
    id: 'restart-controller',
    title: 'Restart the controller (restart-controller runbook as a child workflow)',
    waitsFor: 'the child workflow to finish (its own steps wait for the rollout and the reload)',
    does:
      'on new controller errors, or a write the controller did not process in time: run restart-controller ' +
      'as a child workflow, then wait and check again',
    detail: (child: { summary: string }) => child.summary,
  }),
  restartSpeakers: step({
    id: 'restart-speakers',
    title: 'Restart the speakers (restart-speakers runbook as a child workflow)',
    waitsFor: 'the child workflow to finish (its own steps wait for the rollout and the speakers)',
    does:
      'on a rejected configuration in the speakers (IPs right, announcements wrong): run restart-speakers, ' +
      'then check again',
    detail: (child: { summary: string }) => child.summary,
  }),
  verifyIps: step({
    id: 'verify-ips',
    title: 'Verify every Service holds the IPs the plan expects',
    waitsFor:
      'every Service projected to keep its IPs to hold them, every Service projected to move or get one to hold ' +
      'an IP inside a pool',
    does: "compare every Service's IPs with the plan's projection after the last step",
    detail: (checked: { kept: number; placed: number }) =>
      `${checked.kept} Service(s) kept their IPs, ${checked.placed} placed inside a pool`,
  }),
  rollbackPin: step({
    id: 'rollback-pin',
    title: 'Roll back: pin moved Services to their old IPs',
    waitsFor: null,
    does: "pin every Service whose IPs moved during the change to its old IPs, with this run's marker",
    detail: (outcome: { pinned: Refs }) => `${outcome.pinned.length} Service(s) pinned to their old IPs`,
  }),
  rollbackRestore: step({
    id: 'rollback-restore',
    title: 'Roll back: restore the backup, last written first',
    waitsFor: null,
    does: 'undo every written step in reverse order: put back each updated or deleted object, remove each created one',
    detail: (actions: readonly string[]) => (actions.length ? actions.join(', ') : 'nothing to undo'),
  }),
  rollbackWaitIps: step({
    id: 'rollback-wait-ips',
    title: 'Roll back: wait for every Service to hold its old IPs',
    waitsFor: 'every Service that held IPs before the change to hold exactly them',
    does: 'wait until every Service holds its IPs from before the change; on a timeout, go on and report it',
    detail: (back: Refs) => `${back.length} Service(s) hold their old IPs`,
  }),
  rollbackUnpin: step({
    id: 'rollback-unpin',
    title: 'Roll back: remove the pins this run added',
    waitsFor: null,
    does: "remove this run's pins (the plan's and the rollback's), whatever the steps before concluded",
    detail: (removed: { unpinned: Refs }) => `${removed.unpinned.length} pin(s) removed`,
  }),
  rollbackVerify: step({
    id: 'rollback-verify',
    title: 'Roll back: verify the config equals the backup',
    waitsFor: null,
    does: 'compare every object with the backup and check that none was added',
    detail: (verified: { checked: number }) => `${verified.checked} object(s) identical to the backup, none added`,
  }),
};

/** A step of the table numbered for one plan step ("write-step-2", "Step 2: create IPAddressPool/web"). */
export function nthStep<Value>(template: RunbookStep<Value>, index: number | string, what: string): RunbookStep<Value> {
  return { ...template, id: `${template.id}-${index}`, title: `${template.title} ${index}: ${what}` };
}

const apply = applySteps;
/** apply, in order (the numbered steps once per plan step or group). */
export const applyStepList: readonly AnyStep[] = [
  apply.locate,
  apply.planChange,
  apply.awaitApproval,
  apply.recheckPlan,
  apply.recordIps,
  apply.exportConfig,
  apply.write,
  apply.waitProcessed,
  apply.checkStep,
  apply.restartController,
  apply.restartSpeakers,
  apply.verifyIps,
];
/** Run after any failure past the first write. */
export const applyRollbackSteps: readonly AnyStep[] = [
  apply.rollbackPin,
  apply.rollbackRestore,
  apply.rollbackWaitIps,
  apply.rollbackUnpin,
  apply.rollbackVerify,
];

/** Every runbook's steps in order, as the README and --dry-run list them. */
export const runbookStepLists: readonly { runbook: string; steps: readonly AnyStep[] }[] = [
  { runbook: 'restart-controller', steps: Object.values(restartControllerSteps) },
  { runbook: 'restart-speakers', steps: Object.values(restartSpeakersSteps) },
  { runbook: 'reapply-config', steps: inPlaceSteps },
  { runbook: 'reapply-config --recreate', steps: recreateSteps },
  { runbook: 'reapply-config --recreate, on a failure after the first delete', steps: compensationSteps },
  { runbook: 'cleanup-orphans', steps: Object.values(cleanupOrphansSteps) },
  { runbook: 'apply (await-approval and recheck-plan with --approval only)', steps: applyStepList },
  { runbook: 'apply, on a failure after the first write', steps: applyRollbackSteps },
];
