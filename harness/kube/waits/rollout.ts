import type { V1Deployment } from '@kubernetes/client-node';
import type { KubeClients } from '../types.js';
import { KubeError } from '../errors.js';
import { done, notYet, waitFor, type Deadline, type ProbeResult } from '../poll.js';
import { conditionOf, readObject, type ServerObject } from '../read.js';

/** Waits as `kubectl rollout status deployment/NAME` does. */
export function waitForRollout(clients: KubeClients, namespace: string, name: string, deadline: Deadline): Promise<void> {
  const id = { apiVersion: 'apps/v1', kind: 'Deployment', name, namespace };
  return waitFor(
    `the rollout of deployment/${name} in namespace ${namespace}`,
    async () => {
      const deployment = await readObject<V1Deployment>(clients, id);
      return deployment ? rolloutProgress(deployment) : notYet('the deployment does not exist yet');
    },
    deadline,
  );
}

/** kubectl's rollout rules: the controller saw the latest spec and every replica is updated and available. */
export function rolloutProgress(deployment: V1Deployment): ProbeResult<void> {
  const { metadata, spec, status } = deployment;
  const name = metadata?.name ?? '';
  const progressing = conditionOf(deployment as ServerObject, 'Progressing');
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    throw new KubeError(`deployment/${name} exceeded its progress deadline: ${progressing.message ?? 'no message'}; look at its pods' events and states`);
  }
  const generation = metadata?.generation ?? 0;
  if ((status?.observedGeneration ?? 0) < generation) return notYet(`the controller has not seen generation ${generation} yet`);
  const wanted = spec?.replicas ?? 1;
  const updated = status?.updatedReplicas ?? 0;
  const current = status?.replicas ?? 0;
  const available = status?.availableReplicas ?? 0;
  const ready = status?.readyReplicas ?? 0;
  if (updated < wanted) return notYet(`${updated} of ${wanted} replicas updated`);
  if (current > updated) return notYet(`${current - updated} old replicas are pending termination`);
  if (ready < updated) return notYet(`${ready} of ${updated} updated replicas ready`);
  if (available < updated) return notYet(`${available} of ${updated} updated replicas available`);
  return done(undefined);
}
