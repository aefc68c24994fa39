// The config watch alone in a process, for test/bench/watcher.bench.ts: it measures this process only.
// Answers "sample" with its CPU time, memory and records kept; "stop" stops the watch and exits.
import { loadKubeConfig } from '../../kube/client.js';
import { startConfigWatch } from '../../worker/config-watch.js';

const [kubeconfig, directory, cluster] = process.argv.slice(2);
const send = (message: object) => process.send?.(message);
const watch = startConfigWatch({
  kc: loadKubeConfig({ kubeconfig }),
  cluster: cluster!,
  directory: directory!,
  log: (line) => send({ log: line }),
});
watch.ready.then(
  () => send({ ready: true }),
  (error: Error) => send({ log: `not started: ${error.message}` }),
);
const sample = () => ({
  sample: { cpu: process.cpuUsage(), memory: process.memoryUsage(), recorded: watch.recorded(), at: Date.now() },
});
process.on('message', (message: string) => {
  if (message === 'sample') send(sample());
  if (message === 'stop') void watch.stop().then(() => process.exit(0));
});
