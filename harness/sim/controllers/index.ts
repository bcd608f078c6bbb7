import type { ClusterApi } from '../apiserver/api.js';
import { EndpointsController } from './endpoints.js';
import { ServiceAccountController } from './namespaces.js';
import { WorkloadControllers } from './workloads.js';

export { podTemplateHash } from './workloads.js';

/** Starts the controllers kube-controller-manager would run; returns a function that stops them. */
export function startControllers(api: ClusterApi): () => void {
  const controllers = [new WorkloadControllers(api), new EndpointsController(api), new ServiceAccountController(api)];
  for (const c of controllers) c.start();
  return () => {
    for (const c of controllers) c.stop();
  };
}
