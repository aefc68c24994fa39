/** `npm run lab -- up|down|status|logs|env`: the local MetalLB lab on loopback. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { table as newTable } from '../client/terminal.js';
import { labConfig } from './config.js';
import { labDown, labEnv, labStatus, labUp, labWebhook } from './lab.js';
import { setLabWebhook } from './webhook.js';
import { cacheReport } from './build.js';
import { readDaemon } from './processes.js';
import type { LabRecord } from './record.js';

function printWhere(record: LabRecord): void {
  const table = newTable(['what', 'where']);
  table.push(
    ['Kubernetes API', `${record.apiServer} (v${record.kubernetesVersion.replace(/^v/, '')})`],
    ['kubeconfig', record.kubeconfig],
    ['Temporal gRPC', record.temporalAddress],
    ['Temporal Web UI', record.temporalUi],
    ['Alertmanager', record.alertmanagerUrl ?? 'not running (lab recorded before it had one)'],
    ['MetalLB', `${record.metallbVersion} controller in ${record.namespace}`],
    [
      'MetalLB webhook',
      record.webhook
        ? `https://127.0.0.1:${record.webhook.port} (9443 in the controller's network namespace)`
        : `not served for ${record.metallbVersion}`,
    ],
    ['fake nodes', record.nodes.join(', ')],
    ['state', record.stateDir],
  );
  console.log(table.toString());
  console.log(`Point kubectl and metallb-runbooks at it: eval "$(npm run -s lab -- env)"`);
}

/** One row per lab process, and the MetalLB controller the supervisor runs. */
function processTable(status: ReturnType<typeof labStatus>): string {
  const table = newTable(['process', 'pid', 'state']);
  for (const daemon of status.processes)
    table.push([daemon.name, daemon.pid ?? '-', daemon.running ? 'running' : 'stopped']);
  const controller = status.controller;
  const controllerState = controller?.running ? `running as pod ${controller.podName}` : 'stopped';
  table.push(['metallb controller', controller?.pid ?? '-', controllerState]);
  return table.toString();
}

const program = new Command('lab').description(
  'the local MetalLB lab: real Temporal, Kubernetes and MetalLB on 127.0.0.1',
);
program.option('--name <name>', 'which lab (env METALLB_LAB)', process.env.METALLB_LAB ?? 'default');

/** The lab this invocation is about (the global --name option). */
const labName = (): string => program.opts<{ name: string }>().name;

program
  .command('up')
  .description('build what is missing and start everything that is not running (idempotent)')
  .option('--metallb-version <version>', 'MetalLB to run, e.g. v0.13.12 (env METALLB_LAB_VERSION)')
  .action(async (opts: { metallbVersion?: string }) => {
    const started = Date.now();
    const record = await labUp({
      name: labName(),
      ...(opts.metallbVersion ? { metallbVersion: opts.metallbVersion } : {}),
    });
    console.log(`[lab] up in ${((Date.now() - started) / 1000).toFixed(1)}s`);
    printWhere(record);
  });

program
  .command('down')
  .description('stop every process the lab started')
  .option('--wipe', 'also delete the lab state (etcd data, Temporal history, logs)')
  .action(async (opts: { wipe?: boolean }) => {
    await labDown({ name: labName(), wipe: Boolean(opts.wipe) });
  });

program
  .command('status')
  .option('--json', 'machine-readable')
  .action((opts: { json?: boolean }) => {
    const status = labStatus({ name: labName() });
    if (opts.json) return console.log(JSON.stringify({ ...status, cache: cacheReport() }, null, 2));
    console.log(processTable(status));
    const allRunning = status.processes.every((daemon) => daemon.running);
    if (status.record && allRunning) printWhere(status.record);
    process.exitCode = allRunning ? 0 : 3;
  });

program
  .command('logs')
  .argument(
    '[process]',
    'etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok, temporal, metallb-supervisor or controller',
    'controller',
  )
  .option('-n, --lines <n>', 'last N lines', '100')
  .action((name: string, opts: { lines: string }) => {
    const config = labConfig({ name: labName() });
    const file =
      name === 'controller'
        ? labStatus({ name: config.name }).controller?.logFile
        : (readDaemon(config.stateDir, name)?.logFile ?? path.join(config.stateDir, 'logs', `${name}.log`));
    if (!file || !existsSync(file)) throw new Error(`no log for "${name}" in ${config.stateDir}`);
    console.log(readFileSync(file, 'utf8').trimEnd().split('\n').slice(-Number(opts.lines)).join('\n'));
  });

program
  .command('webhook')
  .description("switch MetalLB's validating webhook on (the default) or off: off, the API server no longer calls it")
  .argument('<state>', 'on or off')
  .action(async (state: string) => {
    if (state !== 'on' && state !== 'off') throw new Error(`webhook takes "on" or "off", not "${state}"`);
    const record = labStatus({ name: labName() }).record;
    if (!record) throw new Error('the lab was never started: run `npm run lab -- up` first');
    await setLabWebhook(labWebhook(record), state === 'on');
    console.log(`[lab] MetalLB webhook ${state}`);
  });

program
  .command('env')
  .description('print export lines: eval "$(npm run -s lab -- env)"')
  .action(() => {
    const record = labStatus({ name: labName() }).record;
    if (!record) throw new Error('the lab was never started: run `npm run lab -- up` first');
    console.log(labEnv(record).join('\n'));
  });

program.parseAsync().catch((error: Error) => {
  console.error(`lab: ${error.message}`);
  process.exit(1);
});
