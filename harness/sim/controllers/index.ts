import type { ClusterApi } from '../apiserver/api.js';
import { EndpointsController } from './endpoints.js';
import { GarbageCollector } from './garbage-collector.js';
import { NamespaceDeletionController } from './namespace-deletion.js';
import { NamespaceContentController } from './namespaces.js';
import { WorkloadControllers } from './workloads.js';

export { NodePortProxy } from './node-ports.js';

/** Starts the controllers kube-controller-manager would run; `caPem` is published in every namespace. Returns a function that stops them. */
export function startControllers(api: ClusterApi, caPem: string): () => void {
  const controllers = [
    new WorkloadControllers(api),
    new EndpointsController(api),
    new NamespaceContentController(api, caPem),
    new NamespaceDeletionController(api),
    new GarbageCollector(api),
  ];
  for (const c of controllers) c.start();
  return () => {
    for (const c of controllers) c.stop();
  };
}
