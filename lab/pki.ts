import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';

/** The identities the lab's API server knows, by static token. */
export const labUsers = {
  admin: { user: 'lab-admin', groups: ['system:masters'] },
  // No bindings of its own: tests grant it exactly what they mean to (RBAC / forbidden cases).
  restricted: { user: 'lab-restricted', groups: ['lab:restricted'] },
} as const;
export type LabIdentity = keyof typeof labUsers;

export interface LabPki {
  serviceAccountKey: string;
  serviceAccountPub: string;
  tokensFile: string;
  tokens: Record<LabIdentity, string>;
}

/** Creates the service-account signing key and the static tokens once; later calls reuse them. */
export function ensurePki(stateDir: string): LabPki {
  const dir = path.join(stateDir, 'pki');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const pki: LabPki = {
    serviceAccountKey: path.join(dir, 'sa.key'),
    serviceAccountPub: path.join(dir, 'sa.pub'),
    tokensFile: path.join(dir, 'tokens.csv'),
    tokens: { admin: '', restricted: '' },
  };
  if (!existsSync(pki.serviceAccountKey)) {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(pki.serviceAccountKey, privateKey.export({ type: 'pkcs1', format: 'pem' }), { mode: 0o600 });
    writeFileSync(pki.serviceAccountPub, publicKey.export({ type: 'spki', format: 'pem' }));
  }
  if (!existsSync(pki.tokensFile)) {
    const lines = Object.values(labUsers).map(
      ({ user, groups }) => `${randomBytes(24).toString('hex')},${user},${user}-uid,"${groups.join(',')}"`,
    );
    writeFileSync(pki.tokensFile, `${lines.join('\n')}\n`, { mode: 0o600 });
  }
  const byUser = new Map(
    readFileSync(pki.tokensFile, 'utf8')
      .trim()
      .split('\n')
      .map((line) => line.split(','))
      .map(([token, user]) => [user, token] as const),
  );
  for (const identity of Object.keys(labUsers) as LabIdentity[]) {
    pki.tokens[identity] = byUser.get(labUsers[identity].user) ?? '';
  }
  return pki;
}

export const labContext = (identity: LabIdentity) => (identity === 'admin' ? 'metallb-lab' : `metallb-lab-${identity}`);

/** A kubeconfig with one context per identity; the admin one is current. */
export function writeKubeconfig(file: string, server: string, pki: LabPki): void {
  const identities = Object.keys(labUsers) as LabIdentity[];
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    // The API server self-signs its serving certificate on loopback; there is no CA to pin.
    clusters: [{ name: 'metallb-lab', cluster: { server, 'insecure-skip-tls-verify': true } }],
    users: identities.map((id) => ({ name: labUsers[id].user, user: { token: pki.tokens[id] } })),
    contexts: identities.map((id) => ({
      name: labContext(id),
      context: { cluster: 'metallb-lab', user: labUsers[id].user },
    })),
    'current-context': labContext('admin'),
  };
  writeFileSync(file, stringify(config), { mode: 0o600 });
}
