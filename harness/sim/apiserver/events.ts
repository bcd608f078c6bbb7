/** The core/v1 Event a component records about an object (what `kubectl describe` and `get events` show). */
import { randomBytes } from 'node:crypto';
import { kubeTimestamp as now } from '../store/store.js';
import type { KubeObject } from '../store/types.js';

export type EventType = 'Normal' | 'Warning';

export function newEvent(regarding: KubeObject, type: EventType, reason: string, message: string, component: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: `${regarding.metadata.name}.${randomBytes(8).toString('hex')}`, namespace: regarding.metadata.namespace ?? 'default' },
    involvedObject: {
      apiVersion: regarding.apiVersion,
      kind: regarding.kind,
      name: regarding.metadata.name,
      namespace: regarding.metadata.namespace,
      uid: regarding.metadata.uid,
      resourceVersion: regarding.metadata.resourceVersion,
    },
    reason,
    message,
    type,
    count: 1,
    firstTimestamp: now(),
    lastTimestamp: now(),
    source: { component },
    reportingComponent: component,
    reportingInstance: 'meshspec-sim',
  };
}

/** Whether `event` is the same report about `regarding`, which is counted instead of recorded again. */
export const isSameEvent = (event: any, regarding: KubeObject, reason: string, message: string): boolean =>
  event.involvedObject?.uid === regarding.metadata.uid && event.reason === reason && event.message === message;
