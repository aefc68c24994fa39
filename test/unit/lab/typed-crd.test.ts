import { describe, expect, it } from 'vitest';
import { ObjectSerializer } from '@kubernetes/client-node/dist/gen/models/ObjectSerializer.js';
import { asTypedModel } from '../../../lab/kube.js';

const schema = {
  type: 'object',
  properties: {
    mode: { type: 'string', enum: ['native'], default: 'native', 'x-kubernetes-validations': [{ rule: 'self != ""' }] },
  },
};
const crd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'things.example.com' },
  spec: {
    group: 'example.com',
    names: { kind: 'Thing', plural: 'things' },
    scope: 'Namespaced',
    versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: schema } }],
  },
};

const sentSchema = (object: unknown) =>
  (ObjectSerializer.serialize(object, 'V1CustomResourceDefinition', '') as typeof crd).spec.versions[0]!.schema;

describe('the lab installs CRDs with their whole schema', () => {
  it('a plain CRD object loses enum, default and CEL rules in the client, the typed model keeps them', () => {
    expect(sentSchema(crd).openAPIV3Schema.properties.mode).toEqual({ type: 'string' });
    expect(sentSchema(asTypedModel(crd)).openAPIV3Schema).toEqual(schema);
  });

  it('leaves other kinds as they are', () => {
    const pool = { apiVersion: 'metallb.io/v1beta1', kind: 'IPAddressPool', metadata: { name: 'p' } };
    expect(asTypedModel(pool)).toBe(pool);
  });
});
