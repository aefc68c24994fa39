// Usage errors exit 2 with one line, for every command (1 means "findings" for diagnose, so a typo must not look
// like an alert). The real CLI from its sources, as a child process; nothing here reaches a server.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../..', import.meta.url));

function cli(...args: string[]) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'client/main.ts', ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', TEMPORAL_ADDRESS: '127.0.0.1:1' },
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderrLines: result.stderr.split('\n').filter(Boolean) };
}

describe('usage errors exit 2 with one line naming what is wrong', () => {
  it.each([
    ['an unknown flag on fix', ['fix', 'restart-controller', '--no-such-flag'], "unknown option '--no-such-flag'"],
    ['an unknown flag on diagnose', ['diagnose', '--no-such-flag'], "unknown option '--no-such-flag'"],
    ['an unknown flag on worker', ['worker', '--no-such-flag'], "unknown option '--no-such-flag'"],
    ['an unknown flag on demo', ['demo', '--no-such-flag'], "unknown option '--no-such-flag'"],
    ['an unknown flag before any command', ['--no-such-flag'], "unknown option '--no-such-flag'"],
    ['a missing runbook', ['fix'], "missing required argument 'runbook'"],
    ['a missing option value', ['diagnose', '--since'], "option '--since <duration>' argument missing"],
    ['an unknown command', ['fxi'], "unknown command 'fxi'"],
    ['an unknown runbook', ['fix', 'restart-everything'], 'unknown runbook "restart-everything"'],
    ['--wait with --no-wait', ['fix', 'restart-controller', '--wait', '--no-wait'], '--wait and --no-wait'],
    ['--no-wait with --wait', ['fix', 'restart-controller', '--no-wait', '--wait'], '--wait and --no-wait'],
    ['a timeout that is no duration', ['fix', 'restart-controller', '--timeout', 'soon'], '--timeout "soon"'],
    ['a diagnose output format that does not exist', ['diagnose', '--output', 'xml', '--from-file', 'x'], '--output'],
    ['apply without files', ['apply'], 'apply needs the desired config: -f'],
    ['apply --prune without a scope', ['apply', '-f', 'x', '--prune'], '--prune needs a scope'],
    ['apply --prune with both scopes', ['apply', '-f', 'x', '--prune', '--all', '-l', 'a=b'], 'not both'],
    ['apply -l without --prune', ['apply', '-f', 'x', '-l', 'a=b'], 'only apply with --prune'],
    ['apply with a malformed selector', ['apply', '-f', 'x', '--prune', '-l', 'a'], '--selector "a"'],
    ['apply --approval-timeout without --approval', ['apply', '-f', 'x', '--approval-timeout', '5m'], 'only applies'],
    [
      'apply with an approval timeout that is no duration',
      ['apply', '-f', 'x', '--approval', '--approval-timeout', 'x'],
      '--approval-timeout "x"',
    ],
    [
      'apply --timeout within the approval timeout',
      ['apply', '-f', 'x', '--approval', '--timeout', '30m'],
      'longer than',
    ],
    [
      'apply of a file that does not exist',
      ['apply', '-f', '/nonexistent/desired.yaml'],
      'cannot read -f /nonexistent',
    ],
    [
      'apply --backup-file with --no-wait',
      ['apply', '-f', 'x', '--backup-file', 'b.yaml', '--no-wait'],
      '--backup-file',
    ],
    ['approve without a workflow id', ['approve'], "missing required argument 'workflowId'"],
    ['reject with Temporal unreachable', ['reject', 'metallb-change.x'], 'cannot reach Temporal at 127.0.0.1:1'],
  ])('%s', (_name, args, expected) => {
    const { status, stdout, stderrLines } = cli(...args);
    expect(stderrLines).toHaveLength(1);
    expect(stderrLines[0]).toContain(expected);
    expect(stderrLines[0]).toMatch(/^metallb-runbooks: /);
    expect(stdout).toBe('');
    expect(status).toBe(2);
  });

  it('names where to read the usage of the command that was mistyped', () => {
    expect(cli('fix', '--bogus').stderrLines[0]).toContain('metallb-runbooks fix --help');
  });

  it('--version and --help still exit 0 on stdout', () => {
    const version = cli('--version');
    expect(version.status).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const help = cli('fix', '--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('--timeout <duration>');
  });
});
