/**
 * Request bodies sent as written. KubernetesObjectApi serialises known kinds (Deployment,
 * Service...) through client-node's models, which silently drop fields they do not know and
 * strategic-merge directives such as `$patch`, and it cannot send a JSON patch (an array).
 * `kubectl apply` sends the manifest as written; so does this: a KubernetesObjectApi whose
 * PATCH requests carry the body of the call in progress, while the URL still comes from its
 * discovery (cached once per cluster, as for the shared client).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { HttpMethod, KubernetesObjectApi } from '@kubernetes/client-node';
import type { KubeClients } from './types.js';
import { apiConfiguration } from './clients.js';

const pendingBody = new AsyncLocalStorage<string>();
const verbatimClients = new WeakMap<KubeClients, KubernetesObjectApi>();

/** Runs `request` with `body` (JSON-encoded as is) as the body of its PATCH request. */
export function withVerbatimBody<T>(clients: KubeClients, body: unknown, request: (api: KubernetesObjectApi) => Promise<T>): Promise<T> {
  return pendingBody.run(JSON.stringify(body), () => request(verbatimClient(clients)));
}

function verbatimClient(clients: KubeClients): KubernetesObjectApi {
  let api = verbatimClients.get(clients);
  if (!api) {
    // The clients' configuration, so the request timeout they were made with bounds these PATCHes too.
    api = new KubernetesObjectApi(
      apiConfiguration(clients.kc, [
        {
          pre: async (context) => {
            const body = pendingBody.getStore();
            // Discovery GETs made on the way must keep having no body.
            if (body !== undefined && context.getHttpMethod() === HttpMethod.PATCH) context.setBody(body);
            return context;
          },
          post: async (response) => response,
        },
      ]),
    );
    verbatimClients.set(clients, api);
  }
  return api;
}
