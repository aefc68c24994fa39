import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import { labCacheDir } from './paths.js';
import { isAlive } from './processes.js';
import { type Component, components, labGoDir, pinnedVersion } from './components.js';

const run = promisify(execFile);

export interface BuiltComponent {
  component: Component;
  version: string;
  /** Directory holding the binaries and copied assets. */
  dir: string;
  binary: (name: string) => string;
}

/** Environment for every Go command: static binaries, the pinned go.sum, no VCS stamping. */
function goEnv(): NodeJS.ProcessEnv {
  return { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-buildvcs=false', GOWORK: 'off' };
}

/** Cache key: the pinned version plus a hash of everything that changes the output. */
function cacheKey(component: Component, version: string): string {
  const moduleDir = path.join(labGoDir, component.dir);
  const hash = createHash('sha256');
  for (const file of ['go.mod', 'go.sum']) hash.update(readFileSync(path.join(moduleDir, file)));
  hash.update(JSON.stringify([component.packages, component.ldflags(version), component.assets ?? []]));
  return `${component.name}-${version}-${hash.digest('hex').slice(0, 10)}`;
}

function describe(component: Component, version: string, dir: string): BuiltComponent {
  return { component, version, dir, binary: (name) => path.join(dir, name) };
}

/** Where a component's binaries live once built, without building anything. */
export function cachedComponent(component: Component): BuiltComponent & { built: boolean } {
  const version = pinnedVersion(component);
  const dir = path.join(labCacheDir(), 'bin', cacheKey(component, version));
  return { ...describe(component, version, dir), built: existsSync(path.join(dir, '.complete')) };
}

async function moduleSourceDir(moduleDir: string, modulePath: string): Promise<string> {
  const { stdout } = await run('go', ['list', '-m', '-json', modulePath], { cwd: moduleDir, env: goEnv() });
  const dir = (JSON.parse(stdout) as { Dir?: string }).Dir;
  if (!dir) throw new Error(`go list found no source for ${modulePath}`);
  return dir;
}

/** The live process (not this one) building the component into its staging directory, if any. */
function otherBuilder(cacheDir: string): number | null {
  const prefix = `${path.basename(cacheDir)}.partial-`;
  if (!existsSync(path.dirname(cacheDir))) return null;
  const pids = readdirSync(path.dirname(cacheDir))
    .filter((entry) => entry.startsWith(prefix))
    .map((entry) => Number(entry.slice(prefix.length)));
  return pids.find((pid) => pid !== process.pid && isAlive(pid)) ?? null;
}

/** A build another process has under way (the test run's background build) is waited for, not repeated. */
async function awaitOtherBuild(component: Component, log: (line: string) => void): Promise<void> {
  const builder = otherBuilder(cachedComponent(component).dir);
  if (builder === null) return;
  log(`waiting for process ${builder}, which is building ${component.name}`);
  while (!cachedComponent(component).built && otherBuilder(cachedComponent(component).dir) !== null) {
    await new Promise((resolve) => setTimeout(resolve, 2_000));
  }
}

/** Builds one component into a temporary directory and renames it into the cache when complete. */
async function buildComponent(component: Component, log: (line: string) => void): Promise<BuiltComponent> {
  await awaitOtherBuild(component, log);
  const cached = cachedComponent(component);
  if (cached.built) return cached;
  const moduleDir = path.join(labGoDir, component.dir);
  const staging = `${cached.dir}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const started = Date.now();
  log(`building ${component.name} ${cached.version} from its Go module (cold builds take minutes)...`);
  const ticker = setInterval(() => log(`  still building ${component.name} (${elapsed(started)})`), 60_000);
  try {
    await run('go', ['mod', 'download'], { cwd: moduleDir, env: goEnv() });
    for (const { pkg, binary } of component.packages) {
      const ldflags = ['-s', '-w', ...component.ldflags(cached.version)].join(' ');
      await run('go', ['build', '-trimpath', `-ldflags=${ldflags}`, '-o', path.join(staging, binary), pkg], {
        cwd: moduleDir,
        env: goEnv(),
        maxBuffer: 64 * 1024 * 1024,
      });
    }
    for (const asset of component.assets ?? []) {
      const source = await moduleSourceDir(moduleDir, asset.module);
      mkdirSync(path.dirname(path.join(staging, asset.to)), { recursive: true });
      cpSync(path.join(source, asset.from), path.join(staging, asset.to), { recursive: true });
    }
    component.afterBuild?.(staging);
    writeFileSync(path.join(staging, '.complete'), `${component.name} ${cached.version}\n`);
    rmSync(cached.dir, { recursive: true, force: true });
    mkdirSync(path.dirname(cached.dir), { recursive: true });
    renameSync(staging, cached.dir);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    const stderr = (error as { stderr?: string }).stderr?.trim().split('\n').slice(-5).join(' | ');
    throw new Error(`building ${component.name} ${cached.version} failed: ${stderr || (error as Error).message}`, {
      cause: error,
    });
  } finally {
    clearInterval(ticker);
  }
  log(`built ${component.name} ${cached.version} in ${elapsed(started)}`);
  return describe(component, cached.version, cached.dir);
}

function elapsed(since: number): string {
  const seconds = Math.round((Date.now() - since) / 1000);
  return seconds >= 60 ? `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s` : `${seconds}s`;
}

/**
 * Ensures the named components are built, one at a time (a 2-core machine gains nothing from
 * parallel Go builds, and the Kubernetes build alone wants ~2 GiB).
 */
export async function ensureBuilt(
  names: readonly string[],
  log: (line: string) => void = (line) => console.log(`[lab] ${line}`),
): Promise<Map<string, BuiltComponent>> {
  const built = new Map<string, BuiltComponent>();
  for (const component of components.filter((c) => names.includes(c.name))) {
    built.set(component.name, await buildComponent(component, log));
  }
  return built;
}

/** Used by `lab status`: per component, built or not and its cache size. */
export function cacheReport(): { name: string; version: string; built: boolean; dir: string }[] {
  return components.map((component) => {
    const cached = cachedComponent(component);
    return { name: component.name, version: cached.version, built: cached.built, dir: cached.dir };
  });
}
