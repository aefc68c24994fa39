/**
 * MetalLB's validating webhook as the lab serves it: the webhook names, paths, rules, failure
 * policy and side effects come from the pinned version's own `config/manifests/metallb-native.yaml`
 * (derived once, when the binaries are built, into `webhooks.json` next to them); only the client
 * config differs: a URL on 127.0.0.1 with the lab CA's bundle instead of a Service reference.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  AdmissionregistrationV1Api,
  CustomObjectsApi,
  type KubeConfig,
  type KubernetesObject,
} from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { z } from 'zod';
import { classifyKubeError } from '../domain/kube-errors.js';
import { applyObjects } from './kube.js';
import { waitFor } from './processes.js';

const RuleSchema = z.object({
  apiGroups: z.array(z.string()),
  apiVersions: z.array(z.string()),
  operations: z.array(z.string()),
  resources: z.array(z.string()),
  scope: z.string().optional(),
});

const ManifestWebhookSchema = z.object({
  name: z.string(),
  admissionReviewVersions: z.array(z.string()),
  clientConfig: z.object({ service: z.object({ path: z.string() }) }),
  failurePolicy: z.string(),
  sideEffects: z.string(),
  rules: z.array(RuleSchema),
  timeoutSeconds: z.number().int().optional(),
  matchPolicy: z.string().optional(),
});

/** One webhook of the manifest, with the path the controller serves it on instead of the Service reference. */
export const DerivedWebhookSchema = ManifestWebhookSchema.omit({ clientConfig: true }).extend({ path: z.string() });
export type DerivedWebhook = z.infer<typeof DerivedWebhookSchema>;

/** The name MetalLB's manifest gives its ValidatingWebhookConfiguration (kept, so diagnosis sees the usual one). */
export const webhookConfigurationName = 'metallb-webhook-configuration';
/** Where the build keeps the derived webhooks, in the MetalLB component's cache directory. */
export const derivedWebhooksFile = 'webhooks.json';
/** The manifest the build copies from the MetalLB module into the cache. */
export const manifestAsset = 'manifests/metallb-native.yaml';

/** The webhooks of every ValidatingWebhookConfiguration in a multi-document manifest, in manifest order. */
export function deriveWebhooks(manifestYaml: string): DerivedWebhook[] {
  const documents = parseAllDocuments(manifestYaml).map((doc) => doc.toJS() as unknown);
  const configurations = documents.filter(
    (doc): doc is { webhooks?: unknown } =>
      typeof doc === 'object' && doc !== null && (doc as { kind?: unknown }).kind === 'ValidatingWebhookConfiguration',
  );
  return configurations.flatMap((configuration) =>
    z
      .array(ManifestWebhookSchema)
      .parse(configuration.webhooks ?? [])
      .map(({ clientConfig, ...webhook }) => ({ ...webhook, path: clientConfig.service.path })),
  );
}

/** Build step: derives `webhooks.json` from the manifest copied into a component's directory. */
export function writeDerivedWebhooks(componentDir: string): void {
  const manifest = path.join(componentDir, manifestAsset);
  if (!existsSync(manifest)) return;
  const webhooks = deriveWebhooks(readFileSync(manifest, 'utf8'));
  writeFileSync(path.join(componentDir, derivedWebhooksFile), `${JSON.stringify(webhooks, null, 2)}\n`);
}

/** The derived webhooks of a built MetalLB component; empty when its build derived none. */
export function readDerivedWebhooks(componentDir: string): DerivedWebhook[] {
  const file = path.join(componentDir, derivedWebhooksFile);
  if (!existsSync(file)) return [];
  return z.array(DerivedWebhookSchema).parse(JSON.parse(readFileSync(file, 'utf8')));
}

/** Where the API server reaches the lab's webhook, and the CA (PEM) its serving certificate chains to. */
export interface WebhookEndpoint {
  port: number;
  caPem: string;
}

/** The ValidatingWebhookConfiguration the lab applies: the manifest's webhooks with URL client configs. */
export function labWebhookConfiguration(webhooks: readonly DerivedWebhook[], endpoint: WebhookEndpoint) {
  const caBundle = Buffer.from(endpoint.caPem).toString('base64');
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingWebhookConfiguration',
    metadata: { name: webhookConfigurationName, labels: { 'app.kubernetes.io/managed-by': 'metallb-runbooks-lab' } },
    webhooks: webhooks.map(({ path: webhookPath, ...webhook }) => ({
      ...webhook,
      clientConfig: { url: `https://127.0.0.1:${endpoint.port}${webhookPath}`, caBundle },
    })),
  };
}

/**
 * A pool outside MetalLB's namespace: the webhook denies it before it validates anything, and
 * without logging an error (an overlapping pool would be denied too, but with an error line in
 * the controller's log that diagnosis then reports).
 */
function probePool() {
  return {
    apiVersion: 'metallb.io/v1beta1',
    kind: 'IPAddressPool',
    metadata: { name: `lab-webhook-probe-${randomBytes(3).toString('hex')}` },
    spec: { addresses: ['192.0.2.248/30'] },
  };
}

/** Where the probe goes: any namespace but MetalLB's. */
const probeNamespace = 'default';

/** What a dry-run create of the probe pool shows about the webhook. */
export type WebhookProbe = 'denied' | 'allowed' | 'unreachable';

const deniedByMetallb = /admission webhook "ipaddresspoolvalidationwebhook\.metallb\.io" denied the request/;

/**
 * Server-side dry run (nothing stored) of a pool outside `metallbNamespace`: denied by the webhook,
 * allowed (the webhook is not called), or neither (it is called but does not answer).
 */
export async function probeWebhook(kc: KubeConfig, metallbNamespace: string): Promise<WebhookProbe> {
  const custom = kc.makeApiClient(CustomObjectsApi);
  try {
    await custom.createNamespacedCustomObject({
      group: 'metallb.io',
      version: 'v1beta1',
      namespace: probeNamespace,
      plural: 'ipaddresspools',
      body: probePool(),
      dryRun: 'All',
    });
    return 'allowed';
  } catch (error) {
    const message = classifyKubeError(error).message;
    return deniedByMetallb.test(message) && message.includes(`must be created in ${metallbNamespace} namespace`)
      ? 'denied'
      : 'unreachable';
  }
}

/** What `setLabWebhook` needs: the lab's API and namespace, and the configuration to apply (null: none served). */
export interface LabWebhook {
  kc: KubeConfig;
  namespace: string;
  configuration: KubernetesObject | null;
}

/**
 * On: applies the configuration and waits until a dry run of a pool outside MetalLB's namespace is denied.
 * Off: deletes it and waits until the same dry run is allowed (the API server no longer calls the webhook).
 */
export async function setLabWebhook(lab: LabWebhook, enabled: boolean, timeoutMs = 60_000): Promise<void> {
  if (enabled && !lab.configuration) throw new Error('this lab serves no MetalLB webhook (see `lab status`)');
  const admission = lab.kc.makeApiClient(AdmissionregistrationV1Api);
  if (enabled) await applyObjects(lab.kc, [lab.configuration!]);
  else
    await admission.deleteValidatingWebhookConfiguration({ name: webhookConfigurationName }).catch((error: unknown) => {
      if ((error as { code?: number }).code !== 404) throw error;
    });
  const wanted: WebhookProbe = enabled ? 'denied' : 'allowed';
  let seen: WebhookProbe | undefined;
  await waitFor(
    enabled
      ? 'the MetalLB webhook to deny a pool outside its namespace'
      : 'the API server to stop calling the MetalLB webhook',
    async () => (seen = await probeWebhook(lab.kc, lab.namespace)) === wanted,
    { timeoutMs, intervalMs: 200 },
  ).catch((error: Error) => {
    throw new Error(`${error.message} (last dry run: ${seen ?? 'none'})`, { cause: error });
  });
}

/** Whether the lab's ValidatingWebhookConfiguration exists (the API server calls the webhook). */
export async function labWebhookPresent(kc: KubeConfig): Promise<boolean> {
  const admission = kc.makeApiClient(AdmissionregistrationV1Api);
  try {
    await admission.readValidatingWebhookConfiguration({ name: webhookConfigurationName });
    return true;
  } catch (error) {
    if ((error as { code?: number }).code === 404) return false;
    throw error;
  }
}
