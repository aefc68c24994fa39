// bin/metallb-runbooks.js in a scratch checkout: a stand-in for dist/client/main.js, and the project's Node 24
// linked at node_modules/node/bin/node. Under an older node the bin runs itself again under Node 24; signals sent
// to it must reach that child, and it must exit as the child did.
import { afterAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { constants } from 'node:os';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const realBin = fileURLToPath(new URL('../../../bin/metallb-runbooks.js', import.meta.url));
const scratchDirs: string[] = [];
afterAll(() => scratchDirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** The machine's own node when it is older than 24 (what runs `npx` here), else null. */
const olderNode = (() => {
  const result = spawnSync('/usr/bin/node', ['-p', 'process.versions.node'], { encoding: 'utf8' });
  return result.status === 0 && Number(result.stdout.split('.')[0]) < 24 ? '/usr/bin/node' : null;
})();

/** A checkout with bin/ and, optionally, a dist/client/main.js, a dist/cli/main.js and the project's Node 24. */
function scratchCheckout(options: { main?: string; bundle?: string; projectNode?: boolean }): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bin-test-'));
  scratchDirs.push(dir);
  mkdirSync(path.join(dir, 'bin'));
  copyFileSync(realBin, path.join(dir, 'bin/metallb-runbooks.js'));
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'metallb-runbooks', type: 'module' }));
  if (options.main) {
    mkdirSync(path.join(dir, 'dist/client'), { recursive: true });
    writeFileSync(path.join(dir, 'dist/client/main.js'), options.main);
  }
  if (options.bundle) {
    mkdirSync(path.join(dir, 'dist/cli'), { recursive: true });
    writeFileSync(path.join(dir, 'dist/cli/main.js'), options.bundle);
  }
  if (options.projectNode) {
    mkdirSync(path.join(dir, 'node_modules/node/bin'), { recursive: true });
    symlinkSync(process.execPath, path.join(dir, 'node_modules/node/bin/node'));
  }
  return dir;
}

const lines = (text: string) => text.split('\n').filter(Boolean);

describe('bin/metallb-runbooks.js', () => {
  it('without dist/: one line saying to run npm install, exit 2', () => {
    const dir = scratchCheckout({});
    const result = spawnSync(process.execPath, [path.join(dir, 'bin/metallb-runbooks.js'), '--version'], {
      encoding: 'utf8',
    });
    expect(lines(result.stderr)).toEqual([
      `metallb-runbooks: not built: run \`npm install\` (or \`npm run build\`) in ${dir}/`,
    ]);
    expect(result.status).toBe(2);
  });

  it('warns on one line when a source changed after the build, and runs the build it has', () => {
    const dir = scratchCheckout({ main: 'console.log("ran")' });
    mkdirSync(path.join(dir, 'client'));
    const source = path.join(dir, 'client/program.ts');
    writeFileSync(source, '');
    const run = () => spawnSync(process.execPath, [path.join(dir, 'bin/metallb-runbooks.js')], { encoding: 'utf8' });
    utimesSync(source, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    expect(run().stderr).toBe('');
    utimesSync(source, new Date(Date.now() + 60_000), new Date(Date.now() + 60_000));
    const stale = run();
    expect(lines(stale.stderr)).toEqual([
      'metallb-runbooks: warning: client/program.ts changed after the last build: run `npm run build`',
    ]);
    expect(stale.stdout).toBe('ran\n');
  });

  it("runs the build's bundle (dist/cli/) when there is one, with the arguments", () => {
    const dir = scratchCheckout({ main: 'console.log("compiled")', bundle: 'console.log(process.argv.slice(2))' });
    const result = spawnSync(process.execPath, [path.join(dir, 'bin/metallb-runbooks.js'), 'diagnose', '-o', 'json'], {
      encoding: 'utf8',
    });
    expect(result.stdout).toBe("[ 'diagnose', '-o', 'json' ]\n");
    expect(result.status).toBe(0);
  });

  it.runIf(olderNode)('under an older node without the project Node 24: one line, exit 2', () => {
    const dir = scratchCheckout({ main: 'console.log("ran")' });
    const result = spawnSync(olderNode!, [path.join(dir, 'bin/metallb-runbooks.js'), '--version'], {
      encoding: 'utf8',
    });
    expect(lines(result.stderr)).toHaveLength(1);
    expect(result.stderr).toMatch(/^metallb-runbooks: needs Node 24 .*run `npm install`/);
    expect(result.status).toBe(2);
  });

  it.runIf(olderNode)('under an older node: runs dist/ on Node 24 with the arguments, exits with its code', () => {
    const dir = scratchCheckout({
      main: 'console.log(process.versions.node.split(".")[0], process.argv.slice(2).join(" ")); process.exitCode = 7;',
      projectNode: true,
    });
    const result = spawnSync(olderNode!, [path.join(dir, 'bin/metallb-runbooks.js'), 'fix', '--dry-run'], {
      encoding: 'utf8',
    });
    expect(result.stdout.trim()).toBe(`${process.versions.node.split('.')[0]} fix --dry-run`);
    expect(result.status).toBe(7);
  });
});

/** The stand-in CLI: writes its pid, then waits; on `handled` signals it exits 0 after saying so. */
function waitingMain(pidFile: string, handled: string[]): string {
  return [
    `import { writeFileSync } from 'node:fs';`,
    `const onSignal = (signal) => { console.log('got ' + signal); process.exit(0); };`,
    `for (const signal of ${JSON.stringify(handled)}) process.on(signal, onSignal);`,
    `setInterval(() => undefined, 1000);`,
    `writeFileSync(${JSON.stringify(pidFile)}, String(process.pid));`,
  ].join('\n');
}

async function untilFile(file: string): Promise<string> {
  for (let attempt = 0; attempt < 200; attempt++) {
    if (existsSync(file) && readFileSync(file, 'utf8')) return readFileSync(file, 'utf8');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${file} never appeared`);
}

/** Sends `signal` to the wrapper only (not its process group) and returns how it ended and the child's pid. */
async function signalWrapper(signal: NodeJS.Signals, handled: string[]) {
  const dir = scratchCheckout({ projectNode: true });
  const pidFile = path.join(dir, 'child.pid');
  mkdirSync(path.join(dir, 'dist/client'), { recursive: true });
  writeFileSync(path.join(dir, 'dist/client/main.js'), waitingMain(pidFile, handled));
  const wrapper = spawn(olderNode!, [path.join(dir, 'bin/metallb-runbooks.js'), 'worker'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  wrapper.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const ended = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    wrapper.on('exit', (code, exitSignal) => resolve({ code, signal: exitSignal })),
  );
  const childPid = Number(await untilFile(pidFile));
  expect(childPid).not.toBe(wrapper.pid);
  wrapper.kill(signal);
  const exit = await ended;
  // The child has been reaped by the wrapper once the wrapper has exited on its 'exit' event.
  return { exit, childAlive: existsSync(`/proc/${childPid}`), stdout };
}

describe.runIf(olderNode)('signals sent to the bin under an older node reach the Node 24 child', () => {
  it.each(['SIGTERM', 'SIGINT', 'SIGHUP'] as const)(
    '%s to the wrapper: the child gets it and exits 0; so does the wrapper',
    async (signal) => {
      const { exit, childAlive, stdout } = await signalWrapper(signal, [signal]);
      expect(stdout).toContain(`got ${signal}`);
      expect(childAlive).toBe(false);
      expect(exit).toEqual({ code: 0, signal: null });
    },
  );

  it.each(['SIGTERM', 'SIGHUP'] as const)(
    '%s kills a child that does not handle it: the wrapper exits 128+signal',
    async (signal) => {
      const { exit, childAlive } = await signalWrapper(signal, []);
      expect(childAlive).toBe(false);
      expect(exit).toEqual({ code: 128 + constants.signals[signal], signal: null });
    },
  );
});
