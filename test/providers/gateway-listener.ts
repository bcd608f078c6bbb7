/**
 * A Gateway that makes the ingress gateway listen on port 80 (its container port 8080): Istio
 * builds gateway listeners only for the ports Gateway servers name (pilot/pkg/networking/core/
 * gateway.go buildGatewayListeners @1.30.3), so with none the port refuses connections. Its host
 * is one no test asks for, so a request for any other host gets Envoy's 404.
 */
import { CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';

export async function listenOnGatewayPort80(kubeconfigPath: string): Promise<void> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  await kc.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({
    group: 'networking.istio.io',
    version: 'v1',
    namespace: 'istio-system',
    plural: 'gateways',
    body: {
      apiVersion: 'networking.istio.io/v1',
      kind: 'Gateway',
      metadata: { name: 'test-listener' },
      spec: { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['somebody.example.com'] }] },
    },
  });
}

/** `fetch` retried while the connection is refused or closed: until istiod's push reaches the gateway. */
export async function fetchOnceListening(url: string, init?: RequestInit): Promise<Response> {
  for (let tries = 0; ; tries++) {
    try {
      return await fetch(url, init);
    } catch (error) {
      if (tries >= 50) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
