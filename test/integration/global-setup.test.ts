import { AdmissionregistrationV1Api } from '@kubernetes/client-node';
import { afterAll, describe, expect, it } from 'vitest';
import { readControllerState } from '../../lab/record.js';
import { clearLeftovers } from './global-setup.js';
import {
  createL2Advertisement,
  createLoadBalancer,
  createNamespace,
  createPool,
  deleteAllMetallbConfig,
  lab,
  labClients,
  removeNamespace,
  temporalClient,
  uniqueName,
  waitForIp,
  processState,
  stopProcess,
} from './helpers.js';

// What an aborted run leaves on a kept lab (METALLB_LAB_KEEP=1), made for real, then cleared the
// way the global setup clears it before the next run.

const lockId = 'metallb-change.metallb-lab';
const policy = uniqueName('leftover-policy');

describe('the global setup clears what an aborted run left on a reused lab', () => {
  const ns = uniqueName('leftover');
  let controllerPid = 0;

  afterAll(async () => {
    if (controllerPid) process.kill(controllerPid, 'SIGCONT');
    const { client, connection } = await temporalClient();
    await client.workflow
      .getHandle(lockId)
      .terminate('test clean-up')
      .catch(() => undefined);
    await connection.close();
    const admission = labClients().kc.makeApiClient(AdmissionregistrationV1Api);
    await admission.deleteValidatingAdmissionPolicyBinding({ name: policy }).catch(() => undefined);
    await admission.deleteValidatingAdmissionPolicy({ name: policy }).catch(() => undefined);
    await removeNamespace(ns);
    await deleteAllMetallbConfig();
  });

  const clears =
    'terminates a held metallb-change run, deletes admission policies, test namespaces and MetalLB config, ' +
    'and continues a stopped controller';
  it(clears, async () => {
    // The leftovers: a change run nobody works on (it holds the cluster's lock), an admission
    // policy with its binding, a test namespace with a Service, a pool and an advertisement.
    const { client, connection } = await temporalClient();
    const held = await client.workflow.start('restartController', {
      taskQueue: uniqueName('no-worker'),
      workflowId: lockId,
      args: [],
    });
    const admission = labClients().kc.makeApiClient(AdmissionregistrationV1Api);
    await admission.createValidatingAdmissionPolicy({
      body: {
        metadata: { name: policy },
        spec: {
          failurePolicy: 'Fail',
          matchConstraints: {
            resourceRules: [
              { apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['configmaps'] },
            ],
          },
          validations: [{ expression: 'true' }],
        },
      },
    });
    await admission.createValidatingAdmissionPolicyBinding({
      body: { metadata: { name: policy }, spec: { policyName: policy, validationActions: ['Deny'] } },
    });
    await createNamespace(ns);
    await createPool(uniqueName('leftover-pool'), ['192.0.2.0/28']);
    await createL2Advertisement(uniqueName('leftover-l2'), []);
    await createLoadBalancer(ns, 'web');
    controllerPid = readControllerState(lab().stateDir)!.pid!;
    await stopProcess(controllerPid);

    await clearLeftovers(lab(), () => undefined);

    expect(processState(controllerPid)).not.toBe('T');
    expect((await held.describe()).status.name).toBe('TERMINATED');
    await connection.close();
    expect((await admission.listValidatingAdmissionPolicy()).items).toEqual([]);
    expect((await admission.listValidatingAdmissionPolicyBinding()).items).toEqual([]);
    const { core, custom, namespace } = labClients();
    const namespaces = (await core.listNamespace()).items.map((n) => n.metadata!.name!).sort();
    expect(namespaces).toEqual(['default', 'kube-node-lease', 'kube-public', 'kube-system', namespace].sort());
    for (const plural of ['ipaddresspools', 'l2advertisements']) {
      const list = await custom.listNamespacedCustomObject({
        group: 'metallb.io',
        version: 'v1beta1',
        namespace,
        plural,
      });
      expect((list as { items: unknown[] }).items, plural).toEqual([]);
    }
    controllerPid = 0;

    // The continued controller works: a new pool serves a new Service.
    await createNamespace(ns);
    const pool = uniqueName('after-pool');
    await createPool(pool, ['192.0.2.0/28']);
    await createL2Advertisement(uniqueName('after-l2'), [pool]);
    await createLoadBalancer(ns, 'web');
    expect(await waitForIp(ns, 'web', 60_000)).toHaveLength(1);
  });
});
