/** The `services` step: Services (by selector, or all in the namespace) with the pods each selects. */
import type { V1Service } from '@kubernetes/client-node';
import { assertExpectations } from '../../../matchers/expectations.js';
import type { ServiceWithPods } from '../../../matchers/index.js';
import type { ServicesStep } from '../../../spec/schema.js';
import type { KubeClients } from '../../../kube/types.js';
import type { Operation } from '../../types.js';

async function servicesWithPods(kube: KubeClients, namespace: string, labelSelector?: string): Promise<ServiceWithPods[]> {
  const services = await kube.core.listNamespacedService({ namespace, labelSelector });
  return Promise.all(services.items.map(async (service) => ({ service, pods: await selectedPods(kube, namespace, service) })));
}

async function selectedPods(kube: KubeClients, namespace: string, service: V1Service) {
  const selector = service.spec?.selector;
  // A Service without a selector (ExternalName, manual Endpoints) selects no pods.
  if (!selector || Object.keys(selector).length === 0) return [];
  const labelSelector = Object.entries(selector)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  return (await kube.core.listNamespacedPod({ namespace, labelSelector })).items;
}

export const servicesOperation: Operation<ServicesStep> = {
  defaultTimeoutMs: 30_000,
  async exec(step, ctx) {
    const services = await servicesWithPods(ctx.kube, step.services.namespace ?? ctx.namespace, step.services.selector);
    await assertExpectations(services, step.expect);
  },
};
