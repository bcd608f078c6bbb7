/**
 * Scenario namespaces: every scenario runs in a namespace of its own, named after it with a
 * random suffix (specs run in parallel, and a rerun must not meet a namespace still
 * terminating), labelled with the run so that a later run can remove what an ended one left.
 */
import { randomBytes } from 'node:crypto';
import type { V1Namespace } from '@kubernetes/client-node';
import type { Scenario } from '../spec/schema.js';
import type { AppliedObject, KubeClients } from './types.js';
import { describeApiError, httpStatusOf, KubeError } from './errors.js';
import { insideScenario, RUN_LABEL, SCENARIO_LABEL, type RunOwner } from './ownership.js';
import type { Deadline } from './poll.js';
import { describeObject } from './refs.js';
import { deleteObjects } from './delete.js';
import { NAMESPACE_GRACE_MS, removeEndedLeases, RUN_LEASE_NAMESPACE, runLiveness } from './run-lease.js';

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
    throw new KubeError(`cleanup left objects behind: ${failures.join('; ')}. Delete them with kubectl (they carry the label ${RUN_LABEL}=${owner.runId})`);
  }
}

/** What setup removed of runs that ended without cleaning up, and a line for its progress. */
interface StaleCleanup {
  namespaces: string[];
  leases: string[];
  summary: string;
}

/**
 * Deletes namespaces that ended runs labelled and did not remove (a crash, a killed CI job).
 * Other runs may be live on the same cluster: a namespace goes only when its run's Lease is
 * missing or expired (run-lease.ts) and it is older than the grace period; then the ended runs'
 * Leases go too. When the Leases cannot be read, nothing is deleted. Providers call it at setup.
 */
export async function removeStaleNamespaces(
  clients: KubeClients,
  currentRunId: string,
  { namespaceGraceMs = NAMESPACE_GRACE_MS }: { namespaceGraceMs?: number } = {},
): Promise<StaleCleanup> {
  const runs = await runLiveness(clients, currentRunId);
  if (!runs.known) return { namespaces: [], leases: [], summary: `none removed: ${runs.reason}` };
  const { items } = await clients.core.listNamespace({ labelSelector: `${RUN_LABEL},${RUN_LABEL}!=${currentRunId}` });
  const createdBefore = Date.now() - namespaceGraceMs;
  // A creationTimestamp that cannot be read proves no age: NaN compares false.
  const isStale = (ns: V1Namespace) =>
    ns.status?.phase !== 'Terminating' &&
    !runs.live.has(ns.metadata?.labels?.[RUN_LABEL] ?? '') &&
    new Date(ns.metadata?.creationTimestamp ?? Number.NaN).getTime() < createdBefore;
  const stale = items.filter(isStale).map((ns) => ns.metadata?.name ?? '');
  for (const name of stale) {
    try {
      await clients.core.deleteNamespace({ name });
    } catch (error) {
      if (httpStatusOf(error) !== 404) throw new KubeError(`cannot delete stale namespace ${name} of an ended run: ${describeApiError(error)}`);
    }
  }
  // After the namespaces: a run interrupted in between finds the expired Leases and tries again.
  const leases = await removeEndedLeases(clients, runs.ended);
  const removed = [...stale, ...leases.removed.map((name) => `Lease ${RUN_LEASE_NAMESPACE}/${name}`)];
  const summary = [removed.length ? `removed ${removed.join(', ')}` : 'none', ...leases.problems].join('; ');
  return { namespaces: stale, leases: leases.removed, summary };
}
