// A kubeconfig that cannot be used (missing, not parseable, without the context asked for) is a ClusterAccessError:
// exit 2 and one line naming the file or context and the flag that fixes it, whichever command loads it.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ClusterAccessError, loadKubeConfig } from '../../../kube/client.js';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'kubeconfig-errors-'));
const savedKubeconfig = process.env.KUBECONFIG;
afterEach(() => {
  if (savedKubeconfig === undefined) delete process.env.KUBECONFIG;
  else process.env.KUBECONFIG = savedKubeconfig;
});

function failureOf(load: () => unknown): ClusterAccessError {
  try {
    load();
  } catch (error) {
    expect(error).toBeInstanceOf(ClusterAccessError);
    return error as ClusterAccessError;
  }
  throw new Error('loaded');
}

const oneContext = `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: 'https://127.0.0.1:1'}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: only, context: {cluster: c, user: u}}]
current-context: only
`;

describe('kubeconfig problems', () => {
  it('a --kubeconfig that does not exist', () => {
    const failure = failureOf(() => loadKubeConfig({ kubeconfig: path.join(scratch, 'missing') }));
    expect(failure.exitCode).toBe(2);
    expect(failure.message).toBe(
      `kubeconfig ${path.join(scratch, 'missing')} does not exist: pass an existing file with --kubeconfig`,
    );
  });

  it('a $KUBECONFIG that does not exist (once a raw ENOENT, exit 1)', () => {
    process.env.KUBECONFIG = path.join(scratch, 'gone');
    expect(failureOf(() => loadKubeConfig()).message).toBe(
      `kubeconfig ${path.join(scratch, 'gone')} does not exist: pass an existing file with --kubeconfig ` +
        '(or fix $KUBECONFIG)',
    );
  });

  it('a file that does not parse', () => {
    const file = path.join(scratch, 'broken');
    writeFileSync(file, 'clusters: [\n  - {name: 1\n');
    const failure = failureOf(() => loadKubeConfig({ kubeconfig: file }));
    expect(failure.message).toMatch(new RegExp(`^cannot load kubeconfig ${file}: .+; fix the file$`));
    expect(failure.message).not.toContain('\n');
  });

  it('a context the file does not have names the ones it has', () => {
    const file = path.join(scratch, 'one-context');
    writeFileSync(file, oneContext);
    expect(failureOf(() => loadKubeConfig({ kubeconfig: file, context: 'prod' })).message).toBe(
      'context "prod" is not in the kubeconfig (contexts: only); pass one of them with --context',
    );
  });
});
