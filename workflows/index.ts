// Everything the worker bundles: the four runbook workflows, apply and the scheduled drift watch.
// Nothing here may reach Node APIs.
export { restartController } from './restart-controller.js';
export { restartSpeakers } from './restart-speakers.js';
export { reapplyConfig } from './reapply-config.js';
export { cleanupOrphans } from './cleanup-orphans.js';
export { applyChange } from './apply-change.js';
export { driftWatch } from './drift-watch.js';
