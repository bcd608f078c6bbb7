/**
 * A run's proof of life on a shared cluster: one coordination.k8s.io/v1 Lease per run, renewed
 * by the main process while the run lasts and deleted at its end. Another run removes a run's
 * namespaces only once that Lease is gone or expired (namespaces.ts), so parallel runs on one
 * cluster (the jobs of a CI matrix against one EKS cluster) never delete each other's work.
 */
import { hostname } from 'node:os';
import { CoordinationV1Api, V1MicroTime, type V1Lease } from '@kubernetes/client-node';
import type { KubeClients } from './types.js';
import { describeApiError, httpStatusOf } from './errors.js';
import { RUN_LABEL } from './ownership.js';

/**
 * `default` always exists (the API server recreates it and refuses to delete it), unlike a
 * namespace of meshspec's own, which a run could not tell apart from one another run is
 * removing; kube-system belongs to the cluster's components.
 */
export const RUN_LEASE_NAMESPACE = 'default';
const RUN_LEASE_DURATION_SECONDS = 60;
/** A third of the duration: two renewals in a row may fail before the Lease lapses. */
const RENEW_EVERY_MS = 20_000;
/**
 * renewTime comes from the renewing machine's clock and is read against another's: a Lease
 * counts as expired only this long after its duration ran out, so clocks that disagree by less
 * never make a live run look ended.
 */
const CLOCK_SKEW_ALLOWANCE_MS = 2 * 60_000;
/**
 * A namespace of a run without a live Lease is removed only once it is this old: a run that holds
 * no Lease (an older meshspec, no permission for Leases) is spared that long, and so is one whose
 * Lease is not written yet.
 */
export const NAMESPACE_GRACE_MS = 10 * 60_000;

const LEASE_PERMISSION = `get, list, create, update and delete on leases.coordination.k8s.io in namespace ${RUN_LEASE_NAMESPACE}`;

export const runLeaseName = (runId: string) => `meshspec-run-${runId}`;

export interface RunLease {
  /** For the setup's progress line: where the Lease is, or why the run holds none. */
  summary: string;
  /** Stops renewing and deletes the Lease. Never throws: a Lease left behind expires and a later run removes it. */
  release(): Promise<void>;
}

function leaseBody(runId: string, acquired: V1MicroTime): V1Lease {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: runLeaseName(runId), namespace: RUN_LEASE_NAMESPACE, labels: { [RUN_LABEL]: runId } },
    spec: {
      // Who to ask about a run that seems stuck: `kubectl get leases -n default` shows it.
      holderIdentity: `meshspec@${hostname()}:${process.pid}`,
      leaseDurationSeconds: RUN_LEASE_DURATION_SECONDS,
      acquireTime: acquired,
      // V1MicroTime, not Date: the API server accepts only six fractional digits here.
      renewTime: new V1MicroTime(Date.now()),
    },
  };
}

/**
 * Creates this run's Lease and renews it until `release`. Without permission for Leases the run
 * goes on unprotected, and says so; problems after setup (a renewal that fails) go to `report`.
 */
export async function holdRunLease(clients: KubeClients, runId: string, report: (message: string) => void): Promise<RunLease> {
  const api = clients.kc.makeApiClient(CoordinationV1Api);
  const name = runLeaseName(runId);
  const where = `Lease ${RUN_LEASE_NAMESPACE}/${name}`;
  const acquired = new V1MicroTime(Date.now());
  try {
    await api.createNamespacedLease({ namespace: RUN_LEASE_NAMESPACE, body: leaseBody(runId, acquired) });
  } catch (error) {
    const status = httpStatusOf(error);
    // The same run set up again (a retried setup): the Lease is already this run's.
    if (status === 409) await api.replaceNamespacedLease({ name, namespace: RUN_LEASE_NAMESPACE, body: leaseBody(runId, acquired) });
    else if (status === 403 || status === 404) {
      return {
        summary: `none: cannot create ${where} (${describeApiError(error)}); meshspec needs ${LEASE_PERMISSION}, and until then other meshspec runs on this cluster may take this run's namespaces for leftovers once they are ${NAMESPACE_GRACE_MS / 60_000} minutes old`,
        release: async () => {},
      };
    } else throw error;
  }

  let failing = false;
  const renew = async () => {
    try {
      await api.replaceNamespacedLease({ name, namespace: RUN_LEASE_NAMESPACE, body: leaseBody(runId, acquired) }).catch(async (error: unknown) => {
        // Deleted by a run that took this one for ended (renewals failed for minutes): claim it again.
        if (httpStatusOf(error) !== 404) throw error;
        await api.createNamespacedLease({ namespace: RUN_LEASE_NAMESPACE, body: leaseBody(runId, acquired) });
      });
      failing = false;
    } catch (error) {
      // Once per outage: a line every 20 s would bury the test output.
      if (!failing) {
        failing = true;
        report(
          `cannot renew this run's ${where} (${describeApiError(error)}); retrying every ${RENEW_EVERY_MS / 1000} s. If it stays unrenewed for ${RUN_LEASE_DURATION_SECONDS + CLOCK_SKEW_ALLOWANCE_MS / 1000} s, other meshspec runs may remove this run's namespaces`,
        );
      }
    }
  };
  let renewing: Promise<void> | undefined;
  // unref: a renewal never keeps the process alive after the run.
  const timer = setInterval(() => {
    renewing ??= renew().finally(() => (renewing = undefined));
  }, RENEW_EVERY_MS).unref();

  return {
    summary: `${RUN_LEASE_NAMESPACE}/${name}, renewed every ${RENEW_EVERY_MS / 1000} s`,
    async release() {
      clearInterval(timer);
      await renewing;
      try {
        await api.deleteNamespacedLease({ name, namespace: RUN_LEASE_NAMESPACE });
      } catch (error) {
        if (httpStatusOf(error) !== 404)
          report(`cannot delete this run's ${where} (${describeApiError(error)}); it expires by itself and a later run removes it`);
      }
    },
  };
}

/** What the Leases on the cluster say about the runs other than the current one. */
type RunLiveness = { known: true; live: Set<string>; ended: string[] } | { known: false; reason: string };

function lastRenewalMs(lease: V1Lease): number {
  const stamp = lease.spec?.renewTime ?? lease.spec?.acquireTime ?? lease.metadata?.creationTimestamp;
  // client-node hands MicroTime fields over as the server's strings.
  return stamp === undefined ? Number.NaN : new Date(stamp as unknown as string).getTime();
}

/** True only when the Lease provably lapsed: a time that cannot be read proves nothing. */
function hasExpired(lease: V1Lease, nowMs: number): boolean {
  const durationMs = (lease.spec?.leaseDurationSeconds ?? RUN_LEASE_DURATION_SECONDS) * 1000;
  return nowMs > lastRenewalMs(lease) + durationMs + CLOCK_SKEW_ALLOWANCE_MS;
}

/**
 * Reads the Leases of other runs: run ids whose Lease is live, and the names of expired Leases.
 * Without permission to read them nothing is known, and the caller must delete nothing.
 */
export async function runLiveness(clients: KubeClients, currentRunId: string): Promise<RunLiveness> {
  const api = clients.kc.makeApiClient(CoordinationV1Api);
  let leases: V1Lease[];
  try {
    ({ items: leases } = await api.listNamespacedLease({ namespace: RUN_LEASE_NAMESPACE, labelSelector: `${RUN_LABEL},${RUN_LABEL}!=${currentRunId}` }));
  } catch (error) {
    const status = httpStatusOf(error);
    if (status !== 403 && status !== 404) throw error;
    return {
      known: false,
      reason: `cannot list Leases in namespace ${RUN_LEASE_NAMESPACE} (${describeApiError(error)}), so live runs cannot be told from ended ones; meshspec needs ${LEASE_PERMISSION}`,
    };
  }
  const nowMs = Date.now();
  const live = new Set<string>();
  const ended: string[] = [];
  for (const lease of leases) {
    if (hasExpired(lease, nowMs)) ended.push(lease.metadata?.name ?? '');
    else live.add(lease.metadata?.labels?.[RUN_LABEL] ?? '');
  }
  return { known: true, live, ended };
}

/** Deletes the expired Leases of ended runs; resolves to the names deleted, and a line per one that could not be. */
export async function removeEndedLeases(clients: KubeClients, names: string[]): Promise<{ removed: string[]; problems: string[] }> {
  const api = clients.kc.makeApiClient(CoordinationV1Api);
  const removed: string[] = [];
  const problems: string[] = [];
  for (const name of names) {
    try {
      await api.deleteNamespacedLease({ name, namespace: RUN_LEASE_NAMESPACE });
      removed.push(name);
    } catch (error) {
      // 404: another run starting at the same time removed it first.
      if (httpStatusOf(error) !== 404)
        problems.push(`cannot delete the expired Lease ${RUN_LEASE_NAMESPACE}/${name} (${describeApiError(error)}); meshspec needs ${LEASE_PERMISSION}`);
    }
  }
  return { removed, problems };
}
