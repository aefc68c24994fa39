// The steps of reapply-config, as the progress query and the CLI show them.
export const reapplySteps = {
  locate: { id: 'locate', title: 'Locate MetalLB' },
  recordIps: { id: 'record-ips', title: 'Record every Service IP' },
  exportConfig: { id: 'export-config', title: 'Back up every MetalLB config object' },
  rewrite: { id: 'rewrite-config', title: 'Rewrite each object in place at the storage version' },
  trim: { id: 'trim-stored-versions', title: 'Drop old versions from the CRDs storedVersions' },
  pin: { id: 'pin-ips', title: 'Pin every healthy Service to its current IP' },
  delete: { id: 'delete-config', title: 'Delete the config objects (advertisements first)' },
  waitDeleted: { id: 'wait-deletions-processed', title: 'Wait for the controller to process the deletions' },
  recreate: { id: 'recreate-config', title: 'Re-create the objects from the backup (pools with autoAssign held off)' },
  waitIps: { id: 'wait-ips-back', title: 'Wait for every pinned Service to get its IP back' },
  releaseAutoAssign: { id: 'release-auto-assign', title: 'Give the pools back their autoAssign' },
  unpin: { id: 'unpin-ips', title: 'Remove the pins this run added' },
  verifyConfig: { id: 'verify-config', title: 'Verify every object matches the backup' },
  verifyIps: { id: 'verify-ips', title: 'Verify every Service IP is inside a pool' },
  restore: { id: 'restore-config', title: 'Compensate: restore the backup (pools with autoAssign held off)' },
  restoreIps: { id: 'restore-wait-ips', title: 'Compensate: wait for every pinned Service to get its IP back' },
  restoreAutoAssign: { id: 'restore-auto-assign', title: 'Compensate: give the pools back their autoAssign' },
  restoreUnpin: { id: 'restore-unpin', title: 'Compensate: remove the pins this run added' },
} as const;

const s = reapplySteps;
export const inPlaceSteps = [s.locate, s.recordIps, s.exportConfig, s.rewrite, s.trim, s.verifyIps];
export const recreateSteps = [
  s.locate,
  s.recordIps,
  s.exportConfig,
  s.pin,
  s.delete,
  s.waitDeleted,
  s.recreate,
  s.waitIps,
  s.releaseAutoAssign,
  s.unpin,
  s.verifyConfig,
  s.verifyIps,
];
