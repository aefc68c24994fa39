// Names every side agrees on: runbooks, workflow types, ids, task queues, the field manager.
// Pure and free of Node APIs: workflow code imports it.

/** Every runbook, by the name the CLI uses. */
export const RUNBOOKS = ['restart-controller', 'restart-speakers', 'reapply-config', 'cleanup-orphans'] as const;
/** One of RUNBOOKS. */
export type RunbookName = (typeof RUNBOOKS)[number];

/** The exported workflow function that runs each runbook. */
export const workflowTypes: Readonly<Record<RunbookName, string>> = {
  'restart-controller': 'restartController',
  'restart-speakers': 'restartSpeakers',
  'reapply-config': 'reapplyConfig',
  'cleanup-orphans': 'cleanupOrphans',
};

/** What holds a cluster's change slot: a fix runbook, or `apply` (a planned config change). */
export type ChangeName = RunbookName | 'apply';

/** The exported workflow function of every change, fix runbooks and apply alike. */
export const changeWorkflowTypes: Readonly<Record<ChangeName, string>> = { ...workflowTypes, apply: 'applyChange' };

/** True for a name in RUNBOOKS. */
export function isRunbookName(name: string): name is RunbookName {
  return (RUNBOOKS as readonly string[]).includes(name);
}

/** Every mutating runbook on a cluster shares this id, so only one can run at a time. */
export function changeWorkflowId(cluster: string): string {
  return `metallb-change.${cluster}`;
}

/** The queue the worker holding this cluster's credentials polls. */
export function taskQueueFor(cluster: string): string {
  return `metallb-runbooks.${cluster}`;
}

/** The one field manager every write of this tool is recorded under. */
export const fieldManager = 'metallb-runbooks';

/** Marks a metallb.io/loadBalancerIPs pin this tool added, with the run that added it. */
export const pinMarkerAnnotation = 'metallb-runbooks/pinned-by';
