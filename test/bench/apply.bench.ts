// Benchmark (npm run bench:apply): `metallb-runbooks apply` of a pool change against what the
// popular runbook has an operator do for one: back up the config (its three `kubectl get -o yaml`),
// `kubectl apply`, its `sleep 10`, then its checklist's checks (controller log, Service IPs). Each
// side changes a pool of its own, alternately widened by a /26 and narrowed back (no Service holds
// an address of the added /26), on the lab with 20 Services. Runs alternate; prints the medians of
// RUNS, the ratios and whether any Service IP changed. Asserts nothing.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { benchLoad, createServices, removeLoad, serviceIps, writePool, type BenchLoad } from './bench-load.js';
import {
  benchLab,
  cliEnvironment,
  cliPath,
  labClusterName,
  printSubject,
  runAlternating,
  startWorker,
  type Subject,
} from './live-support.js';

const RUNS = 5;
const SERVICES = 20;
const COMMAND_TIMEOUT_MS = 10 * 60_000;
const LABEL = 'metallb-runbooks.bench/apply';

const record = await benchLab();
const load = benchLoad(record, LABEL);
const scratch = mkdtempSync(path.join(os.tmpdir(), 'bench-apply-'));
const namespace = record.namespace;

/** The pool's addresses in a run: its own /26, plus a second one on even runs (widened), none on odd (narrowed). */
const addressesIn = (base: number, run: number): string[] =>
  run % 2 === 0 ? [`198.18.${base}.0/26`, `198.18.${base + 1}.0/26`] : [`198.18.${base}.0/26`];

/** The desired pool as a file, as an operator would keep it. */
function poolFile(name: string, addresses: string[], run: number): string {
  const file = path.join(scratch, `${name}-${run}.yaml`);
  const metadata = { name, namespace, labels: { [LABEL]: 'true' } };
  writeFileSync(
    file,
    stringify({ apiVersion: 'metallb.io/v1beta1', kind: 'IPAddressPool', metadata, spec: { addresses } }),
  );
  return file;
}

const SERVICE_COLUMNS = 'NAMESPACE:.metadata.namespace,NAME:.metadata.name,IP:.status.loadBalancer.ingress[0].ip';

/** The runbook's way: backup, apply, sleep 10, check the controller log and the Service IPs. */
function runbookScript(file: string): string {
  const backup = path.join(scratch, 'backup');
  return [
    `mkdir -p ${backup}`,
    `kubectl get ipaddresspool -n ${namespace} -o yaml > ${backup}/pools-backup.yaml`,
    `kubectl get l2advertisement -n ${namespace} -o yaml > ${backup}/l2adv-backup.yaml`,
    `kubectl get bgpadvertisement -n ${namespace} -o yaml > ${backup}/bgpadv-backup.yaml`,
    `kubectl apply -f ${file}`,
    'sleep 10',
    `kubectl logs -n ${namespace} -l app=metallb,component=controller --tail=20 | ` +
      `grep -iE "error|warn|stale|invalid|failed" || true`,
    `kubectl get svc -A -o custom-columns=${SERVICE_COLUMNS} | grep -v '<none>'`,
  ].join(' && ');
}

function subjectsFor(): Subject[] {
  return [
    {
      name: 'kubectl: backup, apply, sleep 10, log and IP checks (runbook)',
      argv: (run) => ['bash', '-c', runbookScript(poolFile('bench-apply-kubectl', addressesIn(30, run), run))],
      samples: [],
    },
    {
      name: 'metallb-runbooks apply',
      argv: (run) => [
        process.execPath,
        cliPath,
        'apply',
        '-f',
        poolFile('bench-apply-ours', addressesIn(40, run), run),
        '--context',
        labClusterName(),
      ],
      samples: [],
    },
  ];
}

async function prepare(benchLoadOf: BenchLoad): Promise<void> {
  await removeLoad(benchLoadOf);
  await writePool(benchLoadOf, 'bench-apply-kubectl', addressesIn(30, 1));
  await writePool(benchLoadOf, 'bench-apply-ours', addressesIn(40, 1));
  await createServices(benchLoadOf, SERVICES);
}

await prepare(load);
const worker = await startWorker(record);
try {
  const before = await serviceIps(load);
  const subjects = subjectsFor();
  runAlternating(subjects, RUNS, { env: cliEnvironment(record), okExitCodes: [0], timeoutMs: COMMAND_TIMEOUT_MS });
  const after = await serviceIps(load);
  const moved = [...before].filter(([name, ips]) => after.get(name) !== ips).length;
  console.log(`\napply a pool change, median of ${RUNS} runs each, ${SERVICES} Services (wall | CPU | peak RSS):`);
  printSubject(subjects[0]!.name, subjects[0]!.samples);
  printSubject(subjects[1]!.name, subjects[1]!.samples, subjects[0]!.samples);
  console.log(`  Service IPs changed over all ${RUNS * 2} changes: ${moved}`);
  console.log(
    '  (ours also plans against the live cluster, waits for the controller to reload instead of 10 s,\n' +
      '   and verifies every Service kept its IP; the runbook reads 20 log lines and leaves the rest to the reader)',
  );
} finally {
  worker.kill('SIGTERM');
  await removeLoad(load);
  rmSync(scratch, { recursive: true, force: true });
}
