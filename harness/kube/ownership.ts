/**
 * What a run may touch: its scenario namespace and everything in it (the runner created
 * them), plus objects elsewhere that carry this run's label because the run created them,
 * and whatever is inside a namespace the run created.
 * Anything the user had before the run is never changed or deleted.
 */
import type { KubeClients } from './types.js';
import { KubeError } from './errors.js';
import { readObject, type ServerObject } from './read.js';
import { describeObject, type ObjectId } from './refs.js';

export const RUN_LABEL = 'meshspec.dev/run';
export const SCENARIO_LABEL = 'meshspec.dev/scenario';

/** The run on whose behalf objects are changed. */
export interface RunOwner {
  runId: string;
  /** The scenario's namespace, created by this run. */
  namespace: string;
}

/** True when `id` is inside the scenario namespace, or is that namespace itself. */
export function insideScenario(id: ObjectId, owner: RunOwner): boolean {
  return id.namespace === owner.namespace || (id.kind === 'Namespace' && id.apiVersion === 'v1' && id.name === owner.namespace);
}

/**
 * Reads `id` and fails unless this run may change it. Objects outside the scenario namespace
 * qualify only with this run's label on them or on their namespace. `missingIsOk` lets apply
 * create new objects.
 */
export async function assertChangeable(clients: KubeClients, id: ObjectId, owner: RunOwner, missingIsOk: boolean): Promise<void> {
  if (insideScenario(id, owner)) return;
  const existing = await readObject(clients, id);
  if (!existing) {
    if (missingIsOk) return;
    throw new KubeError(`${describeObject(id)} not found: create it in an earlier step or fix the reference`);
  }
  const createdByRun = (object: ServerObject | undefined) => object?.metadata?.labels?.[RUN_LABEL] === owner.runId;
  // Inside a namespace the run created, everything is the run's (e.g. pods of its Deployments).
  const namespace = id.namespace ? await readObject(clients, { apiVersion: 'v1', kind: 'Namespace', name: id.namespace }) : undefined;
  if (!createdByRun(existing) && !createdByRun(namespace)) {
    throw new KubeError(
      `${describeObject(id)} existed before this run, outside the scenario's namespace ${owner.namespace}: ` +
        'meshspec never changes or deletes what it did not create; leave out the namespace so the object lands in the scenario namespace, or use an object of your own',
    );
  }
}
