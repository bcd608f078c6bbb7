/**
 * Deleting objects as `kubectl delete` does (background propagation: dependents such as a
 * Deployment's pods go after it), optionally waiting until they are gone.
 */
import type { KubeClients } from './types.js';
import { describeApiError, isNotFound, KubeError } from './errors.js';
import { assertChangeable, type RunOwner } from './ownership.js';
import type { Deadline } from './poll.js';
import { readObject } from './read.js';
import { describeObject, type ObjectId } from './refs.js';
import { waitForDeletion } from './waits/deleted.js';

interface DeleteOptions extends Deadline {
  owner: RunOwner;
  /** Wait until every object is gone. */
  wait: boolean;
  /** Objects already gone are fine (cleanup); otherwise a missing object is an error, as in kubectl. */
  ignoreNotFound?: boolean;
}

export async function deleteObjects(clients: KubeClients, ids: ObjectId[], options: DeleteOptions): Promise<void> {
  const deleted: { id: ObjectId; uid?: string }[] = [];
  for (const id of ids) {
    const uid = await deleteOne(clients, id, options);
    if (uid !== null) deleted.push({ id, uid });
  }
  if (options.wait) {
    for (const { id, uid } of deleted) await waitForDeletion(clients, id, options, uid);
  }
}

/** Deletes one object; resolves to its uid, or null when it was already gone. */
async function deleteOne(clients: KubeClients, id: ObjectId, options: DeleteOptions): Promise<string | undefined | null> {
  const fail = (error: unknown): never => {
    if (error instanceof KubeError) throw error;
    throw new KubeError(`deleting ${describeObject(id)} failed: ${describeApiError(error)}`);
  };
  const existing = await readObject(clients, id).catch(fail);
  if (!existing) {
    if (options.ignoreNotFound) return null;
    throw new KubeError(`${describeObject(id)} not found, so it cannot be deleted: check the name, or that an earlier step created it`);
  }
  await assertChangeable(clients, id, options.owner, false).catch(fail);
  try {
    await clients.objects.delete(
      { apiVersion: id.apiVersion, kind: id.kind, metadata: { name: id.name, namespace: id.namespace } },
      undefined,
      undefined,
      undefined,
      undefined,
      'Background',
    );
  } catch (error) {
    if (isNotFound(error) && options.ignoreNotFound) return null;
    fail(error);
  }
  return existing.metadata?.uid;
}
