// Defect 12: `npx metallb-runbooks` under the machine's older node printed ten lines of npm EBADENGINE warnings.
// npx installs the checkout into its own cache to link the bin and checks the engines field against the node
// that runs npm; the field now states what the bin needs (it brings Node 24 itself). A fresh npx cache each time,
// as on a new machine.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const npxCli = '/usr/lib/node_modules/npm/bin/npx-cli.js';
const olderNode = (() => {
  const result = spawnSync('/usr/bin/node', ['-p', 'process.versions.node'], { encoding: 'utf8' });
  return result.status === 0 && Number(result.stdout.split('.')[0]) < 24 ? '/usr/bin/node' : null;
})();
const { version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };

describe.runIf(olderNode && existsSync(npxCli) && existsSync(path.join(root, 'dist/client/main.js')))(
  'npx metallb-runbooks under the machine node',
  () => {
    it('prints the version and no npm warning', () => {
      const cache = mkdtempSync(path.join(os.tmpdir(), 'npx-cache-'));
      try {
        // The test runner's PATH starts with the project's Node 24: leave it out, as in a user's shell.
        const userPath = (process.env.PATH ?? '').split(path.delimiter).filter((dir) => !dir.includes('node_modules'));
        const result = spawnSync(olderNode!, [npxCli, 'metallb-runbooks', '--version'], {
          cwd: root,
          encoding: 'utf8',
          env: { ...process.env, PATH: userPath.join(path.delimiter), npm_config_cache: cache },
          timeout: 120_000,
        });
        expect(result.stderr).not.toContain('EBADENGINE');
        expect(result.stderr).toBe('');
        expect(result.stdout.trim()).toBe(version);
        expect(result.status).toBe(0);
      } finally {
        rmSync(cache, { recursive: true, force: true });
      }
    });
  },
);
