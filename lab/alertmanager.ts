// The lab's Alertmanager: the real one, on loopback, as the alert sink `watch` posts to in the tests and the demo.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { BuiltComponent } from './build.js';
import type { LabConfig } from './config.js';
import type { DaemonSpec } from './processes.js';

/** One receiver that notifies nobody: the lab only needs Alertmanager's own API to show what it received. */
const alertmanagerConfig = `# Written by the lab. Alerts are kept and listed (GET /api/v2/alerts); nothing is notified.
route:
  receiver: "null"
  group_wait: 1s
  group_interval: 1s
receivers:
  - name: "null"
`;

/** Alertmanager's v2 API base of this lab. */
export const alertmanagerUrl = (config: LabConfig): string => `http://${config.host}:${config.ports.alertmanager}`;

/** Writes the config into the lab's state dir and says how to run Alertmanager on the lab's port. */
export function alertmanagerSpec(config: LabConfig, built: BuiltComponent): DaemonSpec {
  const dir = path.join(config.stateDir, 'alertmanager');
  mkdirSync(path.join(dir, 'data'), { recursive: true });
  const configFile = path.join(dir, 'alertmanager.yml');
  writeFileSync(configFile, alertmanagerConfig);
  return {
    name: 'alertmanager',
    command: built.binary('alertmanager'),
    args: [
      `--config.file=${configFile}`,
      `--storage.path=${path.join(dir, 'data')}`,
      `--web.listen-address=${config.host}:${config.ports.alertmanager}`,
      // An empty cluster address turns gossip off; it would otherwise listen on every interface.
      '--cluster.listen-address=',
      '--log.level=warn',
    ],
  };
}
