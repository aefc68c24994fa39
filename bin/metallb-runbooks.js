#!/usr/bin/env node
// Entry point for `npx metallb-runbooks`: runs the compiled CLI (dist/, built by `npm install` through the
// `prepare` script) on Node 24: its bundle (dist/cli/, a few files to load instead of about 280 modules) when the
// build made one, else tsc's output (dist/client/). Under an older node it runs itself again as a child of the project's own Node 24
// (the `node` package), passes signals on, and exits as the child did.
import { spawn } from 'node:child_process';
import nodeModule from 'node:module';
import { existsSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';

const checkout = fileURLToPath(new URL('..', import.meta.url));
const bundledMain = new URL('../dist/cli/main.js', import.meta.url);
const compiledMain = existsSync(bundledMain) ? bundledMain : new URL('../dist/client/main.js', import.meta.url);
const forwardedSignals = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function fail(message) {
  console.error(`metallb-runbooks: ${message}`);
  process.exit(2);
}

/** Runs this file under `node`, forwarding signals; exits with the child's code, or 128+signal if it was killed. */
function runUnder(node) {
  const child = spawn(node, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
  const forward = (signal) => child.kill(signal);
  for (const signal of forwardedSignals) process.on(signal, forward);
  child.on('error', (error) => fail(`cannot start ${node}: ${error.message}`));
  child.on('exit', (code, signal) => {
    for (const name of forwardedSignals) process.off(name, forward);
    process.exit(signal ? 128 + constants.signals[signal] : (code ?? 1));
  });
}

/** Directories `npm run build` compiles (tsconfig.build.json), for the stale-build warning. */
const sourceDirs = ['client', 'worker', 'workflows', 'activities', 'kube', 'domain', 'lab'];

/**
 * A source file changed after the last build (a checkout being worked on): say so, or old code runs unnoticed.
 * Checked alongside the command rather than before it: stating every source file costs about 20 ms, which the
 * thread pool spends while the command starts.
 */
async function warnIfStale() {
  // The build's last steps write the workflow bundle, then the CLI's; tsc alone leaves only the compiled files.
  const bundle = new URL('../dist/workflow-bundle.js', import.meta.url);
  const builtAt = (await stat(existsSync(bundle) ? bundle : compiledMain)).mtimeMs;
  for (const dir of sourceDirs) {
    const root = path.join(checkout, dir);
    if (!existsSync(root)) continue;
    const sources = (await readdir(root, { recursive: true })).filter((file) => file.endsWith('.ts'));
    const times = await Promise.all(sources.map(async (file) => (await stat(path.join(root, file))).mtimeMs));
    const changed = sources.find((_file, index) => times[index] > builtAt);
    if (changed === undefined) continue;
    console.error(`metallb-runbooks: warning: ${dir}/${changed} changed after the last build: run \`npm run build\``);
    return;
  }
}

const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  const projectNode = fileURLToPath(new URL('../node_modules/node/bin/node', import.meta.url));
  if (!existsSync(projectNode)) fail(`needs Node 24 (this is ${process.version}): run \`npm install\` in ${checkout}`);
  runUnder(projectNode);
} else {
  if (!existsSync(compiledMain)) fail(`not built: run \`npm install\` (or \`npm run build\`) in ${checkout}`);
  warnIfStale().catch(() => undefined);
  // V8's code cache on disk (Node's own, in the temp dir): later runs skip compiling the CLI's modules.
  // Looked up on the module object: a named import of it is a link error on the older node this file
  // also starts under.
  nodeModule.enableCompileCache?.();
  await import(compiledMain.href);
}
