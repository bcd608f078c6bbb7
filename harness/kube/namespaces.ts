/**
 * Scenario namespaces: every scenario runs in a namespace of its own, named after it with a
 * random suffix (specs run in parallel, and a rerun must not meet a namespace still
 * terminating), labelled with the run so that a later run can remove what a crashed one left.
 */
import { randomBytes } from 'node:crypto';
import type { V1Namespace } from '@kubernetes/client-node';
import type { Scenario } from '../spec/schema.js';
import type { AppliedObject, KubeClients } from '../runner/types.js';
import { describeApiError, httpStatusOf, KubeError } from './errors.js';
import { insideScenario, RUN_LABEL, SCENARIO_LABEL, type RunOwner } from './ownership.js';
import type { Deadline } from './poll.js';
import { describeObject } from './refs.js';
import { deleteObjects } from './delete.js';

const MESH_LABELS: Record<Scenario['mesh'], Record<string, string>> = {
  sidecar: { 'istio-injection': 'enabled' },
  ambient: { 'istio.io/dataplane-mode': 'ambient' },
  none: {},
};

/** Lowercase letters and digits, valid at the end of a DNS label. */
function shortRandomSuffix(length = 5): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return [...randomBytes(length)].map((b) => alphabet[b % alphabet.length]).join('');
}

function scenarioNamespaceLabels(scenario: Pick<Scenario, 'name' | 'mesh'>, runId: string): Record<string, string> {
  return { [RUN_LABEL]: runId, [SCENARIO_LABEL]: scenario.name, ...MESH_LABELS[scenario.mesh] };
}

/** Creates `<scenario.name>-<random>` and resolves to its name. */
export async function createScenarioNamespace(clients: KubeClients, scenario: Pick<Scenario, 'name' | 'mesh'>, runId: string): Promise<string> {
  const labels = scenarioNamespaceLabels(scenario, runId);
  for (let attempt = 0; ; attempt++) {
    const name = `${scenario.name}-${shortRandomSuffix()}`;
    try {
      await clients.core.createNamespace({ body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } } });
      return name;
    } catch (error) {
      // A name taken by chance: draw another suffix.
      if (httpStatusOf(error) === 409 && attempt < 3) continue;
      throw new KubeError(`cannot create namespace ${name} for scenario ${scenario.name}: ${describeApiError(error)}`);
    }
  }
}

/**
 * Removes what the run created for a scenario: objects outside its namespace that carry the
 * run's label (newest first), then the namespace, waiting until all of it is gone. Every
 * failure is collected and reported, since leftovers must fail the run.
 */
export async function deleteScenarioResources(clients: KubeClients, applied: AppliedObject[], owner: RunOwner, deadline: Deadline): Promise<void> {
  const outside = applied.filter((o) => !insideScenario(o, owner)).reverse();
  const targets = [...outside, { apiVersion: 'v1', kind: 'Namespace', name: owner.namespace }];
  const failures: string[] = [];
  for (const id of targets) {
    try {
      await deleteObjects(clients, [id], { ...deadline, owner, wait: true, ignoreNotFound: true });
    } catch (error) {
      failures.push(`${describeObject(id)}: ${(error as Error).message}`);
    }
  }
  if (failures.length > 0) {
    throw new KubeError(
      `cleanup left objects behind: ${failures.join('; ')}. Delete them with kubectl (they carry the label ${RUN_LABEL}=${owner.runId})`,
    );
  }
}

/**
 * Deletes namespaces that earlier runs labelled and did not remove (a crash or Ctrl-C), and
 * resolves to their names. Providers call it at setup; namespaces of `currentRunId` stay.
 */
export async function removeStaleNamespaces(clients: KubeClients, currentRunId: string): Promise<string[]> {
  const { items } = await clients.core.listNamespace({ labelSelector: `${RUN_LABEL},${RUN_LABEL}!=${currentRunId}` });
  const stale = items.filter((ns: V1Namespace) => ns.status?.phase !== 'Terminating').map((ns) => ns.metadata?.name ?? '');
  for (const name of stale) {
    try {
      await clients.core.deleteNamespace({ name });
    } catch (error) {
      if (httpStatusOf(error) !== 404) throw new KubeError(`cannot delete stale namespace ${name} of an earlier run: ${describeApiError(error)}`);
    }
  }
  return stale;
}
