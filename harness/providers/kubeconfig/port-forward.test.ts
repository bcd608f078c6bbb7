import type { V1Pod, V1Service } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { KubeClients } from '../../kube/types.js';
import { containerPort, forwardServicePort, NoReadyPodError } from './port-forward.js';

const pod = (ready: string, extra: Partial<V1Pod> = {}): V1Pod => ({
  metadata: { name: `gw-${ready}` },
  spec: { containers: [{ name: 'istio-proxy', ports: [{ name: 'http2', containerPort: 8080 }] }] },
  status: { phase: 'Running', conditions: [{ type: 'Ready', status: ready }] },
  ...extra,
});
const service: V1Service = { metadata: { name: 'istio-ingressgateway', namespace: 'istio-system' }, spec: { selector: { istio: 'ingressgateway' } } };

/** Clients whose pod list is `pods`, recording the label selector asked. */
function kubeListing(pods: V1Pod[], asked: string[] = []): KubeClients {
  const core = {
    listNamespacedPod: async ({ labelSelector }: { labelSelector: string }) => {
      asked.push(labelSelector);
      return { items: pods };
    },
  };
  return { core } as unknown as KubeClients;
}

describe('service port forward', () => {
  it('finds the container port a targetPort names, by number or by name', () => {
    expect(containerPort({ port: 80, targetPort: 8080 }, pod('True'))).toBe(8080);
    expect(containerPort({ port: 80, targetPort: '8080' }, pod('True'))).toBe(8080);
    expect(containerPort({ port: 80, targetPort: 'http2' }, pod('True'))).toBe(8080);
    expect(containerPort({ port: 80 }, pod('True'))).toBe(80);
    expect(containerPort({ port: 80, targetPort: 'web' }, pod('True'))).toBeUndefined();
  });

  it('opens nothing without a Ready pod behind the Service, and says which Service and selector', async () => {
    const asked: string[] = [];
    const terminating = pod('True', { metadata: { name: 'gw-old', deletionTimestamp: new Date() } });
    const error = await forwardServicePort(kubeListing([pod('False'), terminating], asked), service, { name: 'http2', port: 80, targetPort: 8080 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(NoReadyPodError);
    expect((error as Error).message).toBe('no Ready pod behind Service istio-system/istio-ingressgateway (selector istio=ingressgateway) with its port http2');
    expect(asked).toEqual(['istio=ingressgateway']);
  });

  it('opens nothing for a Service without a selector', async () => {
    const bare: V1Service = { ...service, spec: {} };
    await expect(forwardServicePort(kubeListing([pod('True')]), bare, { port: 80 })).rejects.toThrow(
      'Service istio-system/istio-ingressgateway (selector none) selects no pods',
    );
  });
});
