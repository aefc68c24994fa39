#!/usr/bin/env node
// Entry point for `npx metallb-runbooks`. The CLI needs Node 24 (the project's own copy from npm
// when the shell's node is older) and runs its TypeScript sources through tsx.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  const projectNode = fileURLToPath(new URL('../node_modules/node/bin/node', import.meta.url));
  if (!existsSync(projectNode)) {
    console.error(
      `metallb-runbooks: needs Node 24 (this is ${process.version}); run "npm install" in the checkout first`,
    );
    process.exit(2);
  }
  const result = spawnSync(projectNode, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], {
    stdio: 'inherit',
  });
  process.exit(result.status ?? 1);
}
const { register } = await import('tsx/esm/api');
register();
await import('../client/main.ts');
