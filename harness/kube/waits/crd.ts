import type { KubeClients } from '../types.js';
import type { Deadline } from '../poll.js';
import { waitForCondition } from './condition.js';

/** Waits until each CRD is Established, i.e. the server serves its kind. */
export async function waitCrdsEstablished(clients: KubeClients, names: string[], deadline: Deadline): Promise<void> {
  for (const name of names) {
    await waitForCondition(clients, { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name }, 'Established', 'True', deadline);
  }
}
