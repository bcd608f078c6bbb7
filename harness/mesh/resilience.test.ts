/**
 * Fidelity tests for faults, timeouts, retries and circuit breaking, each naming the Istio
 * documentation outcome it reproduces. Delays are scaled down where the figure does not matter.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MeshWorld, tally, type Pod } from './__tests__/world.js';

let world: MeshWorld;
let client: Pod;

beforeEach(async () => {
  world = await new MeshWorld().start();
  client = await world.pod({ name: 'client', labels: { app: 'client' } });
});
afterEach(() => world.stop());

const vs = (name: string, spec: Record<string, unknown>) => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  metadata: { name, namespace: 'default' },
  spec,
});
const dr = (name: string, spec: Record<string, unknown>) => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'DestinationRule',
  metadata: { name, namespace: 'default' },
  spec,
});

async function backend(options: { failPercent?: number; replicas?: number } = {}) {
  world.service('backend', { app: 'backend' });
  const pods = [];
  for (let i = 1; i <= (options.replicas ?? 1); i++) {
    pods.push(await world.pod({ name: `backend-${i}`, labels: { app: 'backend', version: 'v1' }, failPercent: options.failPercent }));
  }
  return pods;
}

describe('fault injection', () => {
  it('workshop fault injection: fixedDelay at 50% (old integer `percent`) delays about half of the requests by the delay', async () => {
    await backend();
    await world.apply(
      vs('backend', { hosts: ['backend'], http: [{ fault: { delay: { fixedDelay: '1500ms', percent: 50 } }, route: [{ destination: { host: 'backend' } }] }] }),
    );
    const { results } = await world.forward(client, { url: 'http://backend:8080/', count: 40, concurrency: 40 });
    expect(results.every((r) => r.status === 200)).toBe(true);
    // A delayed request is never faster than the delay, and a busy machine adds far less than
    // 1.5 s to one that is not, so the delay itself tells the two groups apart.
    const delayed = results.filter((r) => r.latencyMs >= 1495);
    // Binomial(40, 0.5): outside 8..32 with probability < 1e-4.
    expect(delayed.length).toBeGreaterThan(7);
    expect(delayed.length).toBeLessThan(33);
  });

  it('fault injection task: abort httpStatus 500 at percentage.value 100 answers "fault filter abort" without reaching the app', async () => {
    const [pod] = await backend();
    await world.apply(
      vs('backend', {
        hosts: ['backend'],
        http: [{ fault: { abort: { httpStatus: 500, percentage: { value: 100 } } }, route: [{ destination: { host: 'backend' } }] }],
      }),
    );
    const { results } = await world.forward(client, { url: 'http://backend:8080/', count: 5 });
    expect(results.map((r) => r.status)).toEqual([500, 500, 500, 500, 500]);
    expect(results[0]!.body).toBe('fault filter abort');
    expect((await world.requestLog(pod!)).entries).toHaveLength(0);
  });

  it('fault percentages apply per request: abort at 30% fails about 30%', async () => {
    await backend();
    await world.apply(
      vs('backend', {
        hosts: ['backend'],
        http: [{ fault: { abort: { httpStatus: 503, percentage: { value: 30 } } }, route: [{ destination: { host: 'backend' } }] }],
      }),
    );
    const { results } = await world.forward(client, { url: 'http://backend:8080/', count: 200, concurrency: 10 });
    const aborted = results.filter((r) => r.status === 503).length;
    expect(aborted).toBeGreaterThan(30);
    expect(aborted).toBeLessThan(90);
  });
});

describe('timeouts', () => {
  it('request timeouts task: timeout 0.5s in front of a 2 s delay fails with 504 "upstream request timeout" after about 0.5 s', async () => {
    await backend();
    await world.apply(vs('backend', { hosts: ['backend'], http: [{ timeout: '0.5s', route: [{ destination: { host: 'backend' } }] }] }));
    const { results } = await world.forward(client, { url: 'http://backend:8080/?delay=2s' });
    expect(results[0]).toMatchObject({ status: 504, body: 'upstream request timeout' });
    expect(results[0]!.latencyMs).toBeGreaterThanOrEqual(480);
    expect(results[0]!.latencyMs).toBeLessThan(1000);
  });
});

describe('retries', () => {
  it('kube-meshy retries: attempts 20, retryOn 5xx over a service failing 70% turns nearly every request into a success', async () => {
    const [pod] = await backend({ failPercent: 70 });
    await world.apply(
      vs('backend', {
        hosts: ['backend'],
        http: [{ retries: { attempts: 20, perTryTimeout: '2s', retryOn: '5xx' }, route: [{ destination: { host: 'backend' } }] }],
      }),
    );
    const { results } = await world.forward(client, { url: 'http://backend:8080/', count: 40, concurrency: 8 });
    // P(21 failures in a row at 70%) = 5.6e-4 per request.
    expect(results.filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(39);
    const attempts = (await world.requestLog(pod!)).entries.map((e) => e.attempt ?? 0);
    expect(Math.max(...attempts)).toBeGreaterThan(1);
    expect(attempts.filter((a) => a === 1)).toHaveLength(40);
  });

  it('workshop retries: attempts 3 retries 5xx only because it is set; Istio 1.24+ does not retry 503 by default', async () => {
    const [pod] = await backend();
    await world.apply(vs('backend', { hosts: ['backend'], http: [{ route: [{ destination: { host: 'backend' } }] }] }));
    const plain = await world.forward(client, { url: 'http://backend:8080/?status=503', count: 3 });
    expect(plain.results.map((r) => r.status)).toEqual([503, 503, 503]);
    expect((await world.requestLog(pod!)).entries).toHaveLength(3);
    await world.apply(
      vs('backend', { hosts: ['backend'], http: [{ retries: { attempts: 3, perTryTimeout: '2s' }, route: [{ destination: { host: 'backend' } }] }] }),
    );
    // retries without retryOn keep Istio's default conditions: still no retry of a 503 answer...
    await world.forward(client, { url: 'http://backend:8080/?status=503', idPrefix: 'default-' });
    expect((await world.requestLog(pod!)).entries.filter((e) => e.id === 'default-0')).toHaveLength(1);
    await world.apply(
      vs('backend', { hosts: ['backend'], http: [{ retries: { attempts: 3, retryOn: 'gateway-error' }, route: [{ destination: { host: 'backend' } }] }] }),
    );
    // ...while gateway-error retries it: 1 try + 3 retries, each carrying its attempt number.
    await world.forward(client, { url: 'http://backend:8080/?status=503', idPrefix: 'gw-' });
    expect((await world.requestLog(pod!)).entries.filter((e) => e.id === 'gw-0').map((e) => e.attempt)).toEqual([1, 2, 3, 4]);
  });

  it('retries without attempts turn retrying off, even on connect-failure (istio/istio@1.30.3 pilot/pkg/networking/core/route/retry/retry.go ConvertPolicy)', async () => {
    const [pod] = await backend();
    await world.apply(
      vs('backend', {
        hosts: ['backend'],
        http: [{ retries: { perTryTimeout: '2s', retryOn: 'gateway-error' }, route: [{ destination: { host: 'backend' } }] }],
      }),
    );
    await world.forward(client, { url: 'http://backend:8080/?status=503', idPrefix: 'off-' });
    expect((await world.requestLog(pod!)).entries.filter((e) => e.id === 'off-0')).toHaveLength(1);
  });

  it('retriable-4xx retries 409 Conflict and nothing else of the 4xx', async () => {
    const [pod] = await backend();
    await world.apply(
      vs('backend', { hosts: ['backend'], http: [{ retries: { attempts: 2, retryOn: 'retriable-4xx' }, route: [{ destination: { host: 'backend' } }] }] }),
    );
    await world.forward(client, { url: 'http://backend:8080/?status=409', idPrefix: 'conflict-' });
    await world.forward(client, { url: 'http://backend:8080/?status=404', idPrefix: 'missing-' });
    const entries = (await world.requestLog(pod!)).entries;
    expect(entries.filter((e) => e.id === 'conflict-0')).toHaveLength(3);
    expect(entries.filter((e) => e.id === 'missing-0')).toHaveLength(1);
  });

  it('retries on connect-failure by default: a dead endpoint is skipped for a live one', async () => {
    await backend({ replicas: 2 });
    // backend-3 still counts as ready but its proxy is gone (a pod going away): connections are refused.
    await world.pod({ name: 'backend-3', labels: { app: 'backend', version: 'v1' } });
    await world.plane.detachPod('default', 'backend-3');
    const { results } = await world.forward(client, { url: 'http://backend:8080/', count: 30, concurrency: 3 });
    const statuses = tally(results.map((r) => r.status));
    expect(statuses.get(200)).toBe(30);
  });

  it('perTryTimeout bounds each attempt and retries it', async () => {
    const [pod] = await backend();
    await world.apply(
      vs('backend', {
        hosts: ['backend'],
        http: [{ retries: { attempts: 2, perTryTimeout: '50ms', retryOn: '5xx' }, route: [{ destination: { host: 'backend' } }] }],
      }),
    );
    const started = performance.now();
    const { results } = await world.forward(client, { url: 'http://backend:8080/?delay=1s', idPrefix: 'slow-' });
    expect(results[0]).toMatchObject({ status: 504, body: 'upstream request timeout' });
    // Three tries of 50 ms plus back-off: well before one full answer would have come.
    expect(performance.now() - started).toBeLessThan(900);
    // The abandoned attempts still reached the app: it logs each once its delay is over.
    const attempts = async () => (await world.requestLog(pod!)).entries.filter((e) => e.id === 'slow-0').map((e) => e.attempt);
    await expect.poll(attempts, { timeout: 2000, interval: 50 }).toHaveLength(3);
    expect((await attempts()).sort()).toEqual([1, 2, 3]);
  });
});

describe('circuit breaking', () => {
  it('circuit breaking task: maxConnections 1, http1MaxPendingRequests 1, maxRequestsPerConnection 1 gives both 200 and 503 with 2 and with 3 concurrent clients', async () => {
    await backend();
    await world.apply(
      dr('backend', {
        host: 'backend',
        trafficPolicy: {
          connectionPool: { tcp: { maxConnections: 1 }, http: { http1MaxPendingRequests: 1, maxRequestsPerConnection: 1 } },
          outlierDetection: { consecutive5xxErrors: 1, interval: '1s', baseEjectionTime: '3m', maxEjectionPercent: 100 },
        },
      }),
    );
    const one = await world.forward(client, { url: 'http://backend:8080/', count: 10, concurrency: 1 });
    expect(one.results.every((r) => r.status === 200)).toBe(true);
    for (const concurrency of [2, 3]) {
      const { results } = await world.forward(client, { url: 'http://backend:8080/', count: 30, concurrency });
      const statuses = tally(results.map((r) => r.status));
      expect(statuses.get(200), `${concurrency} clients`).toBeGreaterThan(0);
      expect(statuses.get(503), `${concurrency} clients`).toBeGreaterThan(0);
      expect(results.find((r) => r.status === 503)!.headers['x-envoy-overloaded']).toBe('true');
    }
  });

  it('outlier detection ejects an endpoint after consecutive 5xx; with every endpoint ejected: 503 no healthy upstream', async () => {
    const [good] = await backend();
    const bad = await world.pod({ name: 'backend-bad', labels: { app: 'backend', version: 'v1' }, failPercent: 100 });
    await world.apply(
      dr('backend', { host: 'backend', trafficPolicy: { outlierDetection: { consecutive5xxErrors: 2, baseEjectionTime: '30s', maxEjectionPercent: 100 } } }),
    );
    await world.forward(client, { url: 'http://backend:8080/', count: 40, concurrency: 1 });
    const badHits = (await world.requestLog(bad)).entries.length;
    expect(badHits).toBe(2);
    expect((await world.requestLog(good!)).entries.length).toBe(38);
    // Eject the good one too: nothing healthy remains.
    await world.forward(client, { url: 'http://backend:8080/?status=500', count: 2 });
    const { results } = await world.forward(client, { url: 'http://backend:8080/' });
    expect(results[0]).toMatchObject({ status: 503, body: 'no healthy upstream' });
  });
});
