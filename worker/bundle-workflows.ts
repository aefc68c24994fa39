// Build step (npm run build, after tsc): bundles the compiled workflows once into dist/workflow-bundle.js, so a
// worker started from dist/ loads it instead of running webpack at every start.
import { writeFileSync } from 'node:fs';
import { bundleRunbookWorkflows, prebuiltWorkflowBundlePath, workflowsPath } from './worker.js';

if (!import.meta.url.endsWith('.js')) throw new Error('run the compiled file: node dist/worker/bundle-workflows.js');
const started = Date.now();
const { code } = await bundleRunbookWorkflows();
writeFileSync(prebuiltWorkflowBundlePath, code);
console.log(
  `bundled ${workflowsPath} into ${prebuiltWorkflowBundlePath} (${(code.length / 1e6).toFixed(2)} MB) ` +
    `in ${((Date.now() - started) / 1000).toFixed(1)}s`,
);
