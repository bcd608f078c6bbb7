import type { KubeClients } from '../types.js';
import { done, notYet, waitFor, type Deadline } from '../poll.js';
import { readObject } from '../read.js';
import { describeObject, type ObjectId } from '../refs.js';

/**
 * Waits until `id` is gone. With `uid`, an object of the same name created again since
 * (a Deployment's new pod, a re-applied manifest) also counts as gone.
 */
export function waitForDeletion(clients: KubeClients, id: ObjectId, deadline: Deadline, uid?: string): Promise<void> {
  return waitFor(
    `${describeObject(id)} to be deleted`,
    async () => {
      const object = await readObject(clients, id);
      if (!object || (uid && object.metadata?.uid !== uid)) return done(undefined);
      const finalizers = object.metadata?.finalizers ?? [];
      if (!object.metadata?.deletionTimestamp) return notYet('it still exists and is not being deleted');
      return notYet(`it is being deleted${finalizers.length ? `; finalizers left: ${finalizers.join(', ')}` : ''}`);
    },
    deadline,
  );
}
