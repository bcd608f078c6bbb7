/**
 * Discovery's cache against a fake API whose answers the test releases one by one, so that
 * requests settle in exactly the order a race on a real server could produce.
 */
import { ApiException, type V1APIResource } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import type { KubeClients } from './types.js';
import { Discovery } from './discovery.js';

const VIRTUAL_SERVICE: V1APIResource = {
  name: 'virtualservices',
  singularName: 'virtualservice',
  kind: 'VirtualService',
  namespaced: true,
  shortNames: ['vs'],
  verbs: ['get'],
};

interface Pending {
  resolve(resources: V1APIResource[]): void;
  reject(error: unknown): void;
}

/** A fake API serving v1 (empty) and networking.istio.io/v1, whose group fetches wait for the test. */
function fakeApi() {
  const fetches: Pending[] = [];
  const api = {
    getAPIVersions: async () => ({ groups: [{ name: 'networking.istio.io', preferredVersion: { groupVersion: 'networking.istio.io/v1' } }] }),
    getAPIResources: () =>
      new Promise<{ resources: V1APIResource[] }>((resolve, reject) => {
        fetches.push({ resolve: (resources) => resolve({ resources }), reject });
      }),
  };
  const clients = { kc: { makeApiClient: () => api }, core: { getAPIResources: async () => ({ resources: [] }) } } as unknown as KubeClients;
  /** Waits until the discovery has sent its `n`th group fetch. */
  const fetch = async (n: number): Promise<Pending> => {
    while (fetches.length < n) await new Promise((resolve) => setImmediate(resolve));
    return fetches[n - 1]!;
  };
  return { clients, fetch, fetchCount: () => fetches.length };
}

describe('Discovery', () => {
  it('keeps a newer answer when an older request for the same version fails after it', async () => {
    const { clients, fetch, fetchCount } = fakeApi();
    const discovery = new Discovery(clients);
    const older = discovery.typeOf('networking.istio.io/v1', 'VirtualService');
    const olderFetch = await fetch(1);
    // resolve() always fetches every version again: a newer request while the older one is in flight.
    const newer = discovery.resolve('vs');
    (await fetch(2)).resolve([VIRTUAL_SERVICE]);
    expect((await newer).plural).toBe('virtualservices');
    olderFetch.reject(new ApiException(503, 'Service Unavailable', '{}', {}));
    await expect(older).rejects.toThrow(ApiException);

    // A cache miss would send a third fetch right away (and wait for it forever).
    const again = discovery.typeOf('networking.istio.io/v1', 'VirtualService');
    expect(fetchCount()).toBe(2);
    expect((await again).kind).toBe('VirtualService');
  });

  it('asks again after a failed request that nothing replaced', async () => {
    const { clients, fetch, fetchCount } = fakeApi();
    const discovery = new Discovery(clients);
    const first = discovery.typeOf('networking.istio.io/v1', 'VirtualService');
    (await fetch(1)).reject(new ApiException(503, 'Service Unavailable', '{}', {}));
    await expect(first).rejects.toThrow(ApiException);

    const second = discovery.typeOf('networking.istio.io/v1', 'VirtualService');
    (await fetch(2)).resolve([VIRTUAL_SERVICE]);
    expect((await second).plural).toBe('virtualservices');
    expect(fetchCount()).toBe(2);
  });
});
