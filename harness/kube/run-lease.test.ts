/**
 * The run's Lease over time (renewals, an outage, release) and runs without permission for
 * Leases, with the API answers stubbed: the sim has no RBAC, and renewals come every 20 s. How
 * runs spare each other is tested on the sim in test/providers/kubeconfig-provider.test.ts.
 */
import { ApiException, type V1Lease } from '@kubernetes/client-node';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { KubeClients } from './types.js';
import { removeStaleNamespaces } from './namespaces.js';
import { holdRunLease } from './run-lease.js';

const forbidden = (verb: string) =>
  new ApiException(
    403,
    'Forbidden',
    JSON.stringify({
      kind: 'Status',
      reason: 'Forbidden',
      message: `leases.coordination.k8s.io is forbidden: User "ci" cannot ${verb} resource "leases" in API group "coordination.k8s.io" in the namespace "default"`,
    }),
    {},
  );

/** Clients whose Lease calls are all refused, and which record every namespace call. */
function clientsWithoutLeasePermission(namespaceCalls: string[]): KubeClients {
  const leases = {
    createNamespacedLease: () => Promise.reject(forbidden('create')),
    listNamespacedLease: () => Promise.reject(forbidden('list')),
  };
  const core = {
    listNamespace: async () => {
      namespaceCalls.push('list');
      return { items: [{ metadata: { name: 'other-run-ns', labels: { 'meshspec.dev/run': 'other' } } }] };
    },
    deleteNamespace: async ({ name }: { name: string }) => {
      namespaceCalls.push(`delete ${name}`);
      return {};
    },
  };
  return { kc: { makeApiClient: () => leases }, core, objects: {} } as unknown as KubeClients;
}

describe('without permission for Leases', () => {
  it('deletes no namespace of another run and names the permission it needs', async () => {
    const calls: string[] = [];
    const cleanup = await removeStaleNamespaces(clientsWithoutLeasePermission(calls), 'run-now', { namespaceGraceMs: 0 });
    expect(calls).toEqual([]);
    expect(cleanup).toMatchObject({ namespaces: [], leases: [] });
    expect(cleanup.summary).toBe(
      'none removed: cannot list Leases in namespace default (403 Forbidden: leases.coordination.k8s.io is forbidden: User "ci" cannot list resource "leases" in API group "coordination.k8s.io" in the namespace "default"), ' +
        'so live runs cannot be told from ended ones; meshspec needs get, list, create, update and delete on leases.coordination.k8s.io in namespace default',
    );
  });

  it('runs without a Lease, saying what that risks and which permission would fix it', async () => {
    const lease = await holdRunLease(clientsWithoutLeasePermission([]), 'run-now', () => {
      throw new Error('nothing is reported after setup');
    });
    expect(lease.summary).toMatch(
      /^none: cannot create Lease default\/meshspec-run-run-now \(403 Forbidden: .*cannot create resource "leases".*\); meshspec needs get, list, create, update and delete on leases\.coordination\.k8s\.io in namespace default, and until then other meshspec runs on this cluster may take this run's namespaces for leftovers once they are 10 minutes old$/,
    );
    await lease.release();
  });
});

describe('the run lease', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('is renewed every 20 s, recreated when someone deleted it, reports an outage once, and is deleted at release', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] });
    const calls: string[] = [];
    const renewTimes: string[] = [];
    const answers: (Error | undefined)[] = [];
    const leases = {
      createNamespacedLease: async () => void calls.push('create'),
      replaceNamespacedLease: async ({ body }: { body: V1Lease }) => {
        calls.push('replace');
        renewTimes.push(JSON.parse(JSON.stringify(body.spec!.renewTime)));
        const answer = answers.shift();
        if (answer) throw answer;
      },
      deleteNamespacedLease: async () => void calls.push('delete'),
    };
    const reported: string[] = [];
    const clients = { kc: { makeApiClient: () => leases } } as unknown as KubeClients;
    const lease = await holdRunLease(clients, 'run-now', (message) => reported.push(message));
    expect(lease.summary).toBe('default/meshspec-run-run-now, renewed every 20 s');
    expect(calls).toEqual(['create']);

    await vi.advanceTimersByTimeAsync(20_000);
    expect(calls).toEqual(['create', 'replace']);
    expect(renewTimes[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);

    answers.push(new ApiException(404, 'Not Found', '{}', {}));
    await vi.advanceTimersByTimeAsync(20_000);
    expect(calls.slice(2)).toEqual(['replace', 'create']);

    answers.push(new ApiException(503, 'Service Unavailable', '{"message":"etcd is down"}', {}), new ApiException(503, 'Service Unavailable', '{}', {}));
    await vi.advanceTimersByTimeAsync(40_000);
    expect(reported).toEqual([
      "cannot renew this run's Lease default/meshspec-run-run-now (503: etcd is down); retrying every 20 s. If it stays unrenewed for 180 s, other meshspec runs may remove this run's namespaces",
    ]);
    // Each renewal writes the time it happens: replaced at 20, 40, 60 and 80 s.
    expect(Date.parse(renewTimes.at(-1)!) - Date.parse(renewTimes[0]!)).toBe(60_000);

    await lease.release();
    expect(calls.at(-1)).toBe('delete');
    const before = calls.length;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls).toHaveLength(before);
  });
});
