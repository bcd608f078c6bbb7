/** Reading objects where "not there (yet)" is an answer, not an error. */
import type { KubernetesObject } from '@kubernetes/client-node';
import type { KubeClients } from './types.js';
import { isNotFound } from './errors.js';
import type { ObjectId } from './refs.js';

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  observedGeneration?: number | string;
}

/** What waits read of any object: its metadata and the conventional status fields. */
export type ServerObject = KubernetesObject & {
  status?: { conditions?: Condition[]; observedGeneration?: number | string; [key: string]: unknown };
};

/** The object, or undefined when the server answers 404. */
export async function readObject<T extends KubernetesObject = ServerObject>(clients: KubeClients, id: ObjectId): Promise<T | undefined> {
  try {
    return await clients.objects.read<T>({ apiVersion: id.apiVersion, kind: id.kind, metadata: { name: id.name, namespace: id.namespace } });
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

export const conditionOf = (object: ServerObject, type: string): Condition | undefined => object.status?.conditions?.find((c) => c.type === type);

/** "Ready=False (ContainersNotReady: containers with unready status: [app])". */
export function describeCondition(condition: Condition): string {
  const detail = [condition.reason, condition.message].filter(Boolean).join(': ');
  return `${condition.type}=${condition.status}${detail ? ` (${detail})` : ''}`;
}
