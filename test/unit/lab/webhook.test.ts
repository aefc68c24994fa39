import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { deriveWebhooks, labWebhookConfiguration } from '../../../lab/webhook.js';

const manifest = readFileSync(
  path.resolve(import.meta.dirname, '../../fixtures/metallb-v0.16/metallb-native-webhooks.yaml'),
  'utf8',
);

const rule = (version: string, resource: string, operations = ['CREATE', 'UPDATE']) => [
  { apiGroups: ['metallb.io'], apiVersions: [version], operations, resources: [resource] },
];

describe("the lab's webhook configuration is derived from MetalLB's manifest", () => {
  it('keeps every webhook of the v0.16.1 manifest with its name, path, rules, failure policy and side effects', () => {
    const webhooks = deriveWebhooks(manifest);
    expect(webhooks.map((webhook) => [webhook.name, webhook.path, webhook.rules])).toEqual([
      ['bgppeersvalidationwebhook.metallb.io', '/validate-metallb-io-v1beta2-bgppeer', rule('v1beta2', 'bgppeers')],
      [
        'bfdprofilevalidationwebhook.metallb.io',
        '/validate-metallb-io-v1beta1-bfdprofile',
        rule('v1beta1', 'bfdprofiles', ['CREATE', 'DELETE']),
      ],
      [
        'bgpadvertisementvalidationwebhook.metallb.io',
        '/validate-metallb-io-v1beta1-bgpadvertisement',
        rule('v1beta1', 'bgpadvertisements'),
      ],
      [
        'communityvalidationwebhook.metallb.io',
        '/validate-metallb-io-v1beta1-community',
        rule('v1beta1', 'communities'),
      ],
      [
        'ipaddresspoolvalidationwebhook.metallb.io',
        '/validate-metallb-io-v1beta1-ipaddresspool',
        rule('v1beta1', 'ipaddresspools'),
      ],
      [
        'l2advertisementvalidationwebhook.metallb.io',
        '/validate-metallb-io-v1beta1-l2advertisement',
        rule('v1beta1', 'l2advertisements'),
      ],
    ]);
    for (const webhook of webhooks) {
      expect(webhook).toMatchObject({ failurePolicy: 'Fail', sideEffects: 'None', admissionReviewVersions: ['v1'] });
    }
  });

  it('points each webhook at 127.0.0.1 on the lab port with the CA bundle instead of the Service', () => {
    const configuration = labWebhookConfiguration(deriveWebhooks(manifest), { port: 27111, caPem: 'PEM' });
    expect(configuration.metadata.name).toBe('metallb-webhook-configuration');
    const pool = configuration.webhooks.find((webhook) => webhook.name.startsWith('ipaddresspool'))!;
    expect(pool.clientConfig).toEqual({
      url: 'https://127.0.0.1:27111/validate-metallb-io-v1beta1-ipaddresspool',
      caBundle: Buffer.from('PEM').toString('base64'),
    });
    expect(pool).not.toHaveProperty('path');
    expect(JSON.stringify(configuration)).not.toContain('metallb-webhook-service');
  });

  it('finds nothing in a manifest without a ValidatingWebhookConfiguration', () => {
    expect(deriveWebhooks('apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n')).toEqual([]);
  });

  it('refuses a webhook that lacks what the configuration needs', () => {
    const broken = 'kind: ValidatingWebhookConfiguration\nwebhooks:\n- name: x.metallb.io\n  failurePolicy: Fail\n';
    expect(() => deriveWebhooks(broken)).toThrow();
  });
});
