// The light kubeconfig reader against client-node's own loader: for every kubeconfig it reads, it
// must arrive at the same server, headers and TLS material; for the rest it must step aside.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadKubeConfig } from '../../../kube/client.js';
import { lightEndpoint } from '../../../kube/kubeconfig-light.js';
import { endpointFromKubeConfig } from '../../../kube/kubeconfig-endpoint.js';

const base64 = (text: string) => Buffer.from(text).toString('base64');

function kubeconfig(directory: string, user: object, cluster: object = {}, extra: object = {}): string {
  const file = path.join(directory, `config-${Math.random().toString(36).slice(2)}`);
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      { name: 'lab', cluster: { server: 'https://127.0.0.1:6443', ...cluster } },
      { name: 'other', cluster: { server: 'https://127.0.0.2:6443' } },
    ],
    users: [
      { name: 'someone', user },
      { name: 'robot', user: { token: 'robot-token' } },
    ],
    contexts: [
      { name: 'main', context: { cluster: 'lab', user: 'someone' } },
      { name: 'second', context: { cluster: 'other', user: 'robot' } },
    ],
    'current-context': 'main',
    ...extra,
  };
  writeFileSync(file, stringify(config));
  return file;
}

describe('lightEndpoint', () => {
  let directory: string;
  const saved = { ...process.env };
  beforeEach(() => {
    directory = mkdtempSync(path.join(os.tmpdir(), 'kubeconfig-light-'));
    delete process.env['KUBECONFIG'];
    delete process.env['KUBERNETES_SERVICE_HOST'];
  });
  afterEach(() => {
    process.env = { ...saved };
  });

  const readable: [string, () => { user: object; cluster?: object }][] = [
    [
      'a bearer token and insecure-skip-tls-verify',
      () => ({ user: { token: 't0k' }, cluster: { 'insecure-skip-tls-verify': true } }),
    ],
    [
      'client certificate and key data with a CA',
      () => ({
        user: { 'client-certificate-data': base64('CERT'), 'client-key-data': base64('KEY') },
        cluster: { 'certificate-authority-data': base64('CA'), 'tls-server-name': 'kubernetes' },
      }),
    ],
    [
      'certificate files relative to the kubeconfig',
      () => {
        writeFileSync(path.join(directory, 'ca.crt'), 'CA FILE');
        writeFileSync(path.join(directory, 'me.crt'), 'CERT FILE');
        writeFileSync(path.join(directory, 'me.key'), 'KEY FILE');
        return {
          user: { 'client-certificate': 'me.crt', 'client-key': 'me.key' },
          cluster: { 'certificate-authority': 'ca.crt' },
        };
      },
    ],
    ['a username and password', () => ({ user: { username: 'admin', password: 's3cret' } })],
    [
      'an absolute token file',
      () => {
        writeFileSync(path.join(directory, 'token'), 'file-token');
        return { user: { 'token-file': path.join(directory, 'token') } };
      },
    ],
  ];

  it.each(readable)('reads %s as client-node does', async (_, make) => {
    const { user, cluster } = make();
    const file = kubeconfig(directory, user, cluster);
    const light = lightEndpoint({ kubeconfig: file });
    expect(light).toBeDefined();
    const full = await endpointFromKubeConfig(loadKubeConfig({ kubeconfig: file }));
    expect(light).toEqual(full);
  });

  it('follows --context and $KUBECONFIG as client-node does', async () => {
    const file = kubeconfig(directory, { token: 'x' });
    process.env['KUBECONFIG'] = file;
    const light = lightEndpoint({ context: 'second' });
    expect(light).toMatchObject({ name: 'second', server: 'https://127.0.0.2:6443' });
    expect(light).toEqual(await endpointFromKubeConfig(loadKubeConfig({ context: 'second' })));
  });

  it.each([
    ['an exec plugin', { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'get-token' } }],
    ['an auth provider', { 'auth-provider': { name: 'oidc' } }],
    ['impersonation', { token: 'x', as: 'someone-else' }],
    ['a relative token file', { 'token-file': 'token' }],
  ])('steps aside for %s (client-node resolves it)', (_, user) => {
    expect(lightEndpoint({ kubeconfig: kubeconfig(directory, user) })).toBeUndefined();
  });

  it('steps aside when the file, the context or the YAML is wrong, so client-node words the error', () => {
    const file = kubeconfig(directory, { token: 'x' });
    expect(lightEndpoint({ kubeconfig: path.join(directory, 'missing') })).toBeUndefined();
    expect(lightEndpoint({ kubeconfig: file, context: 'nope' })).toBeUndefined();
    const broken = path.join(directory, 'broken');
    writeFileSync(broken, 'clusters: [unclosed');
    expect(lightEndpoint({ kubeconfig: broken })).toBeUndefined();
  });

  it('steps aside for several $KUBECONFIG files and for in-cluster credentials', () => {
    const file = kubeconfig(directory, { token: 'x' });
    process.env['KUBECONFIG'] = [file, file].join(path.delimiter);
    expect(lightEndpoint({})).toBeUndefined();
    delete process.env['KUBECONFIG'];
    process.env['KUBERNETES_SERVICE_HOST'] = '10.0.0.1';
    expect(lightEndpoint({})).toBeUndefined();
  });
});
