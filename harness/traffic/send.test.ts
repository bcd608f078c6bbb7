import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEchoServer, type EchoServer } from '../../apps/echo/src/index.js';
import type { ClusterHandle } from '../contract/cluster.js';
import type { KubeClients } from '../kube/types.js';
import { TrafficAction } from '../spec/schema.js';
import { forwardLanes, sendTraffic, toRequestRecord } from './send.js';

let gateway: EchoServer;
beforeAll(async () => {
  gateway = await startEchoServer({ service: 'productpage', version: 'v1', pod: 'productpage-v1-a', namespace: 'ns' });
});
afterAll(() => gateway?.close());

function cluster(ingress: string | null): ClusterHandle {
  return {
    provider: 'sim',
    runId: 'r',
    kubeconfig: '/dev/null',
    context: 'sim',
    istio: { version: '1.29.0', profile: 'demo', istioctl: null, ambient: false },
    ingress: ingress === null ? null : { http: ingress },
    imageRewrites: {},
    variables: {},
    artifactsDir: '/tmp',
  };
}
// The ingress path never touches the API server.
const kube = {} as KubeClients;

describe('sendTraffic through the ingress', () => {
  it('sends the Host of the URL, the headers and a request id per request, and records each answer', async () => {
    const action = TrafficAction.parse({
      from: 'ingress',
      to: 'http://bookinfo.example.com/productpage?u=normal',
      headers: { 'end-user': 'jason' },
      concurrency: 4,
    });
    const result = await sendTraffic(action, { kube, cluster: cluster(gateway.url), namespace: 'ns', count: 10, signal: AbortSignal.timeout(10_000) });
    expect(result).toMatchObject({ kind: 'meshspec.traffic', from: 'ingress', to: action.to, namespace: 'ns' });
    expect(result.requests).toHaveLength(10);
    expect(new Set(result.requests.map((r) => r.id)).size).toBe(10);
    for (const request of result.requests) {
      expect(request).toMatchObject({ status: 200, version: 'v1', pod: 'productpage-v1-a' });
      expect(request.body).toMatchObject({
        host: 'bookinfo.example.com',
        path: '/productpage?u=normal',
        requestId: request.id,
        headers: { 'end-user': 'jason' },
      });
      expect(request.headers['content-type']).toBe('application/json');
    }
  });

  it('paces requests by qps', async () => {
    const action = TrafficAction.parse({ from: 'ingress', to: 'http://x.example/', qps: 20, concurrency: 5 });
    const result = await sendTraffic(action, { kube, cluster: cluster(gateway.url), namespace: 'ns', count: 5, signal: AbortSignal.timeout(10_000) });
    // Request i starts no earlier than i/qps seconds into the batch (later under load is fine).
    for (const [i, request] of result.requests.entries()) expect(request.startedMs).toBeGreaterThanOrEqual(i * 50 - 2);
  });

  it('keeps many requests in flight without piling listeners on the step signal, and stops when it is aborted', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    try {
      const action = TrafficAction.parse({ from: 'ingress', to: 'http://x.example/', concurrency: 40, timeout: '5s' });
      const step = new AbortController();
      const result = await sendTraffic(action, { kube, cluster: cluster(gateway.url), namespace: 'ns', count: 120, signal: step.signal });
      expect(result.requests.filter((r) => r.status === 200)).toHaveLength(120);
      const slow = TrafficAction.parse({ from: 'ingress', to: 'http://x.example/?delay=2s', concurrency: 40 });
      setTimeout(() => step.abort(new Error('step timed out')), 100);
      await expect(sendTraffic(slow, { kube, cluster: cluster(gateway.url), namespace: 'ns', count: 80, signal: step.signal })).rejects.toThrow(
        'step timed out',
      );
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings).not.toContain('MaxListenersExceededWarning');
  });

  it('records a request without an answer as status 0 with the error', async () => {
    const action = TrafficAction.parse({ from: 'ingress', to: 'http://x.example/', timeout: '200ms' });
    const result = await sendTraffic(action, { kube, cluster: cluster('http://127.0.0.1:9'), namespace: 'ns', count: 2, signal: AbortSignal.timeout(10_000) });
    expect(result.requests.map((r) => r.status)).toEqual([0, 0]);
    expect(result.requests[0].error).toMatch(/ECONNREFUSED|connect/);
  });

  it('says so when the provider has no ingress gateway', async () => {
    const action = TrafficAction.parse({ from: 'ingress', to: 'http://x.example/' });
    await expect(sendTraffic(action, { kube, cluster: cluster(null), namespace: 'ns', count: 1, signal: AbortSignal.timeout(1000) })).rejects.toThrow(
      /no ingress gateway/,
    );
  });
});

describe('toRequestRecord', () => {
  it('takes the attempt count from the headers the server saw and shifts the start into the whole batch', () => {
    const record = toRequestRecord(
      { id: 'a', status: 200, latencyMs: 3, headers: {}, startedMs: 5, body: { headers: { 'x-envoy-attempt-count': '3' } } },
      1000,
    );
    expect(record).toMatchObject({ attempts: 3, startedMs: 1005 });
    expect(toRequestRecord({ id: 'b', status: 0, latencyMs: 3, headers: {}, startedMs: 0 })).not.toHaveProperty('attempts');
  });
});

describe('forwardLanes', () => {
  it('sends the batches side by side, the step keeping its total concurrency and rate', () => {
    const lanes = forwardLanes(960, 100, 50);
    expect(lanes.map((lane) => lane.concurrency)).toEqual([20, 20, 20, 20, 20]);
    expect(lanes.reduce((sum, lane) => sum + (lane.qps ?? 0), 0)).toBeCloseTo(50);
    expect(forwardLanes(1000, 7, undefined).map((lane) => lane.concurrency)).toEqual([2, 2, 1, 1, 1]);
  });

  it('never gives a lane less than one request in flight', () => {
    expect(forwardLanes(960, 2, undefined)).toEqual([{ concurrency: 1 }, { concurrency: 1 }]);
    expect(forwardLanes(20, 16, undefined)).toEqual([{ concurrency: 16 }]);
  });
});
