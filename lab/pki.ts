import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';

/** The identities the lab's API server knows, by static token. */
export const labUsers = {
  admin: { user: 'lab-admin', groups: ['system:masters'] },
  // No bindings of its own: tests grant it exactly what they mean to (RBAC / forbidden cases).
  restricted: { user: 'lab-restricted', groups: ['lab:restricted'] },
  // A second person for the audit tests (requester vs approver); tests bind what it needs.
  operator: { user: 'lab-operator', groups: ['lab:operators'] },
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
    tokens: { admin: '', restricted: '', operator: '' },
  };
  if (!existsSync(pki.serviceAccountKey)) {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(pki.serviceAccountKey, privateKey.export({ type: 'pkcs1', format: 'pem' }), { mode: 0o600 });
    writeFileSync(pki.serviceAccountPub, publicKey.export({ type: 'spki', format: 'pem' }));
  }
  // A lab made before a user was added gets that user's line (the API server reads the file when it starts).
  const known = existsSync(pki.tokensFile) ? readFileSync(pki.tokensFile, 'utf8') : '';
  const missing = Object.values(labUsers).filter(({ user }) => !known.includes(`,${user},`));
  if (missing.length > 0) {
    const lines = missing.map(
      ({ user, groups }) => `${randomBytes(24).toString('hex')},${user},${user}-uid,"${groups.join(',')}"`,
    );
    const kept = known.trim() ? `${known.trim()}\n` : '';
    writeFileSync(pki.tokensFile, `${kept}${lines.join('\n')}\n`, { mode: 0o600 });
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

/** The lab CA and the webhook's serving certificate, where MetalLB's controller reads it. */
export interface WebhookTls {
  caCert: string;
  /** The controller's TMPDIR: controller-runtime serves `$TMPDIR/k8s-webhook-server/serving-certs/tls.{crt,key}`. */
  tmpDir: string;
  servingCert: string;
  servingKey: string;
}

const openssl = (args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });

/** A self-signed P-256 CA (ten years), made once per lab. */
function ensureLabCa(dir: string): { cert: string; key: string } {
  const ca = { cert: path.join(dir, 'lab-ca.crt'), key: path.join(dir, 'lab-ca.key') };
  if (existsSync(ca.cert) && existsSync(ca.key)) return ca;
  openssl([
    ...['req', '-x509', '-new', '-nodes', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'],
    ...['-keyout', ca.key, '-out', ca.cert, '-days', '3650', '-subj', '/CN=metallb-runbooks lab CA'],
    ...['-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'],
  ]);
  chmodSync(ca.key, 0o600);
  return ca;
}

/**
 * Issues (once) a serving certificate for IP:127.0.0.1 from the lab CA, for MetalLB's webhook. The
 * API server checks it against the caBundle of the ValidatingWebhookConfiguration, as in a cluster.
 */
export function ensureWebhookTls(stateDir: string): WebhookTls {
  const dir = path.join(stateDir, 'pki');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const ca = ensureLabCa(dir);
  const tmpDir = path.join(stateDir, 'controller-tmp');
  const certDir = path.join(tmpDir, 'k8s-webhook-server', 'serving-certs');
  const tls: WebhookTls = {
    caCert: ca.cert,
    tmpDir,
    servingCert: path.join(certDir, 'tls.crt'),
    servingKey: path.join(certDir, 'tls.key'),
  };
  if (existsSync(tls.servingCert) && existsSync(tls.servingKey)) return tls;
  mkdirSync(certDir, { recursive: true, mode: 0o700 });
  const csr = path.join(certDir, 'tls.csr');
  const extensions = path.join(certDir, 'tls.ext');
  writeFileSync(
    extensions,
    [
      'subjectAltName=IP:127.0.0.1',
      'extendedKeyUsage=serverAuth',
      'keyUsage=critical,digitalSignature',
      'basicConstraints=CA:FALSE',
      '',
    ].join('\n'),
  );
  openssl([
    ...['req', '-new', '-nodes', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'],
    ...['-keyout', tls.servingKey, '-out', csr, '-subj', '/CN=127.0.0.1'],
  ]);
  openssl([
    ...['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial'],
    ...['-out', tls.servingCert, '-days', '3650', '-extfile', extensions],
  ]);
  chmodSync(tls.servingKey, 0o600);
  rmSync(csr, { force: true });
  rmSync(extensions, { force: true });
  return tls;
}
