// Who a change is recorded for: never computed while commands are registered, and never a crash in a pod whose
// UID has no passwd entry and no $USER.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultRequestedBy } from '../../../client/commands/fix.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
/** A UID with no passwd entry (checked below), as in many pods. */
const unknownUid = 4242;

const noPasswdEntry = () => {
  throw Object.assign(new Error('uv_os_get_passwd returned ENOENT'), { code: 'ENOENT' });
};

describe('defaultRequestedBy', () => {
  it('takes $USER first', () => {
    expect(defaultRequestedBy({ USER: 'alice' }, () => 'bob', 1000)).toBe('alice');
  });

  it('takes the account name when $USER is unset', () => {
    expect(defaultRequestedBy({}, () => 'bob', 1000)).toBe('bob');
  });

  it('falls back to the UID when the UID has no passwd entry', () => {
    expect(defaultRequestedBy({}, noPasswdEntry, unknownUid)).toBe(`uid:${unknownUid}`);
  });
});

describe('the CLI as a UID with no passwd entry and no $USER', () => {
  const isRoot = process.getuid?.() === 0;
  const hasEntry = spawnSync('getent', ['passwd', String(unknownUid)]).status === 0;

  it.runIf(isRoot && !hasEntry)('starts: --version and fix --help work', () => {
    const home = mkdtempSync(path.join(os.tmpdir(), 'no-passwd-'));
    const env = { PATH: process.env.PATH ?? '', HOME: home, NO_COLOR: '1' };
    const run = (...args: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', 'client/main.ts', ...args], {
        cwd: root,
        encoding: 'utf8',
        env,
        uid: unknownUid,
        gid: unknownUid,
        timeout: 60_000,
      });
    const version = run('--version');
    expect(version.stderr).toBe('');
    expect(version.status).toBe(0);
    const help = run('fix', '--help');
    expect(help.stderr).toBe('');
    expect(help.status).toBe(0);
  });
});
