// Benchmark (npm run bench:restart): `metallb-runbooks fix restart-controller` against the popular
// runbook's Fix 1, `kubectl rollout restart deployment controller` followed by `kubectl rollout
// status`, on the lab with 20 Services holding IPs. Runs alternate; prints the medians of RUNS and
// the ratios, and whether any Service IP changed. Asserts nothing. METALLB_LAB names a running lab
// (default: "bench", started if needed and kept).
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
import { benchLoad, createServices, removeLoad, serviceIps, writePool } from './bench-load.js';

const RUNS = 5;
const SERVICES = 20;
const COMMAND_TIMEOUT_MS = 10 * 60_000;

const record = await benchLab();
const load = benchLoad(record, 'metallb-runbooks.bench/restart');
const env = cliEnvironment(record);
const namespace = record.namespace;
const subjects: Subject[] = [
  {
    name: 'metallb-runbooks fix restart-controller',
    argv: () => [process.execPath, cliPath, 'fix', 'restart-controller', '--context', labClusterName()],
    samples: [],
  },
  {
    name: 'kubectl rollout restart + rollout status (runbook Fix 1)',
    argv: () => [
      'bash',
      '-c',
      `kubectl rollout restart deployment controller -n ${namespace} && ` +
        `kubectl rollout status deployment controller -n ${namespace}`,
    ],
    samples: [],
  },
  {
    name: 'the same, then until the new controller logs "config reloaded" (what ours waits for)',
    argv: () => [
      'bash',
      '-c',
      `kubectl rollout restart deployment controller -n ${namespace} && ` +
        `kubectl rollout status deployment controller -n ${namespace} && ` +
        `until kubectl logs -n ${namespace} deployment/controller | grep -q 'config reloaded'; do sleep 0.5; done`,
    ],
    samples: [],
  },
];

await removeLoad(load);
await writePool(load, 'bench-restart', ['198.18.10.0/26']);
await createServices(load, SERVICES);
const worker = await startWorker(record);
try {
  const before = await serviceIps(load);
  runAlternating(subjects, RUNS, { env, okExitCodes: [0], timeoutMs: COMMAND_TIMEOUT_MS });
  const after = await serviceIps(load);
  const moved = [...before].filter(([name, ips]) => after.get(name) !== ips).length;
  console.log(`\nrestart the controller, median of ${RUNS} runs each, ${SERVICES} Services (wall | CPU | peak RSS):`);
  const [ours, runbook, runbookWaiting] = subjects as [Subject, Subject, Subject];
  printSubject(runbook.name, runbook.samples);
  printSubject(runbookWaiting.name, runbookWaiting.samples);
  printSubject(ours.name, ours.samples, runbook.samples);
  printSubject(`${ours.name}, against the kubectl run that waits for the reload`, ours.samples, runbookWaiting.samples);
  console.log(`  Service IPs changed over all ${RUNS * subjects.length} restarts: ${moved}`);
  console.log(
    '  (ours also records every Service IP before, waits for the new controller to reload its config,\n' +
      '   and checks no IP moved; the runbook stops when the rollout reports complete)',
  );
} finally {
  worker.kill('SIGTERM');
  await removeLoad(load);
}
