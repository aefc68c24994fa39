import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDesiredFiles } from '../../../client/read-desired-files.js';
import { UsageError } from '../../../client/usage-error.js';

describe('readDesiredFiles', () => {
  const dir = mkdtempSync(join(tmpdir(), 'desired-'));
  writeFileSync(join(dir, 'b.yaml'), 'b');
  writeFileSync(join(dir, 'a.yml'), 'a');
  writeFileSync(join(dir, 'c.json'), '{}');
  writeFileSync(join(dir, 'notes.txt'), 'ignored');
  mkdirSync(join(dir, 'nested.yaml'));
  const single = join(dir, 'single.conf');
  writeFileSync(single, 'x');

  it('reads a directory like kubectl -f dir: its YAML and JSON files, sorted, not recursive', async () => {
    const files = await readDesiredFiles([dir]);
    expect(files.map((file) => [file.path, file.text])).toEqual([
      [join(dir, 'a.yml'), 'a'],
      [join(dir, 'b.yaml'), 'b'],
      [join(dir, 'c.json'), '{}'],
    ]);
  });

  it('reads a file as given, whatever its extension, in the order of the paths', async () => {
    const files = await readDesiredFiles([single, join(dir, 'a.yml')]);
    expect(files.map((file) => file.path)).toEqual([single, join(dir, 'a.yml')]);
  });

  it('reads a ConfigMap volume: each key a symlink into ..data, the hidden timestamped directory skipped', async () => {
    const volume = mkdtempSync(join(tmpdir(), 'configmap-'));
    mkdirSync(join(volume, '..2026_12_02_01_00_00.1'));
    writeFileSync(join(volume, '..2026_12_02_01_00_00.1', 'pools.yaml'), 'pools');
    symlinkSync('..2026_12_02_01_00_00.1', join(volume, '..data'));
    symlinkSync('..data/pools.yaml', join(volume, 'pools.yaml'));
    const files = await readDesiredFiles([volume]);
    expect(files.map((file) => [file.path, file.text])).toEqual([[join(volume, 'pools.yaml'), 'pools']]);
  });

  it('a missing path is one usage error line (exit 2)', async () => {
    const missing = join(dir, 'missing.yaml');
    const error = await readDesiredFiles([missing]).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).exitCode).toBe(2);
    expect((error as Error).message).toBe(
      `cannot read -f ${missing}: no such file or directory; give a readable file or directory`,
    );
  });
});
