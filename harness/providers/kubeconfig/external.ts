/**
 * The cluster's service outside the cluster (the egress chapters' external host), as the cluster
 * publishes it in the ConfigMap kube-public/meshspec-external (`host`, `ip`, `port`): the sim writes
 * it at start, and so can whoever sets up a cluster with such a service.
 */
import { httpStatusOf } from '../../kube/index.js';
import { EXTERNAL_CONFIG_MAP } from '../../sim/external-address.js';
import type { ProviderKube } from '../setup/kube.js';

/** EXTERNAL_HOST and EXTERNAL_IP from the ConfigMap; none when the cluster does not publish one. */
export async function discoverExternalService(kube: ProviderKube): Promise<Record<string, string>> {
  try {
    const { data } = await kube.core.readNamespacedConfigMap(EXTERNAL_CONFIG_MAP);
    return {
      ...(data?.host ? { EXTERNAL_HOST: data.host } : {}),
      ...(data?.ip ? { EXTERNAL_IP: data.ip } : {}),
    };
  } catch (error) {
    if (httpStatusOf(error) === 404) return {};
    throw error;
  }
}
