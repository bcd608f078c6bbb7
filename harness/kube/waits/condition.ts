import type { KubeClients } from '../types.js';
import { done, notYet, waitFor, type Deadline } from '../poll.js';
import { conditionOf, describeCondition, readObject } from '../read.js';
import { describeObject, type ObjectId } from '../refs.js';

/** Waits until `id` reports status.conditions[type] == status (as `kubectl wait --for=condition=`). */
export function waitForCondition(clients: KubeClients, id: ObjectId, type: string, status: string, deadline: Deadline): Promise<void> {
  return waitFor(
    `${describeObject(id)} to report condition ${type}=${status}`,
    async () => {
      const object = await readObject(clients, id);
      if (!object) return notYet('it does not exist yet');
      const condition = conditionOf(object, type);
      if (condition?.status === status) return done(undefined);
      if (condition) return notYet(describeCondition(condition));
      const others = (object.status?.conditions ?? []).map(describeCondition).join(', ');
      return notYet(`no ${type} condition yet${others ? ` (it reports ${others})` : ''}`);
    },
    deadline,
  );
}
