/** Fidelity tests for mirroring, Istio's standard metrics, the sidecar stats endpoint and the addon stand-ins. */
import { request } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MeshWorld, type Pod } from './__tests__/world.js';
import { STATS_PORT } from './data-plane.js';
import type { KubeObject } from './types.js';

let world: MeshWorld;
let client: Pod;
let v1: Pod;
let v2: Pod;

beforeEach(async () => {
  world = await new MeshWorld().start();
  client = await world.pod({ name: 'requester', labels: { app: 'requester', version: 'v1' }, workload: 'requester' });
  world.service('distributor', { app: 'distributor' });
  v1 = await world.pod({ name: 'distributor-v1-1', labels: { app: 'distributor', version: 'v1' }, workload: 'distributor-v1' });
  v2 = await world.pod({ name: 'distributor-v2-1', labels: { app: 'distributor', version: 'v2' }, workload: 'distributor-v2' });
  await world.apply({
    apiVersion: 'networking.istio.io/v1',
    kind: 'DestinationRule',
    metadata: { name: 'distributor', namespace: 'default' },
    spec: {
      host: 'distributor',
      subsets: [
        { name: 'v1', labels: { version: 'v1' } },
        { name: 'v2', labels: { version: 'v2' } },
      ],
    },
  });
});
afterEach(() => world.stop());

const mirrorRoute = (extra: Record<string, unknown> = {}) => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  metadata: { name: 'distributor', namespace: 'default' },
  spec: {
    hosts: ['distributor'],
    http: [{ route: [{ destination: { host: 'distributor', subset: 'v1' }, weight: 100 }], mirror: { host: 'distributor', subset: 'v2' }, ...extra }],
  },
});

async function until(check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 3000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in 3 s');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('mirroring', () => {
  it('gopher dark launch: mirror to v2 answers from v1 while v2 receives a copy of every request, Host unchanged (no -shadow since 1.28)', async () => {
    await world.apply(mirrorRoute());
    const { results } = await world.forward(client, { url: 'http://distributor:8080/gophers', count: 20, idPrefix: 'dark-' });
    expect(new Set(results.map((r) => r.version))).toEqual(new Set(['v1']));
    await until(async () => (await world.requestLog(v2)).entries.length >= 20);
    const copies = (await world.requestLog(v2)).entries;
    expect(copies.map((e) => e.id).sort()).toEqual(results.map((r) => r.id).sort());
    expect(new Set(copies.map((e) => e.host))).toEqual(new Set(['distributor:8080']));
    expect((await world.requestLog(v1)).entries).toHaveLength(20);
  });

  it('mirrorPercentage mirrors about that share', async () => {
    await world.apply(mirrorRoute({ mirrorPercentage: { value: 25 } }));
    await world.forward(client, { url: 'http://distributor:8080/', count: 120, concurrency: 10 });
    await new Promise((r) => setTimeout(r, 100));
    const copies = (await world.requestLog(v2)).entries.length;
    // Binomial(120, 0.25): 30 +- 4.7; outside 10..50 beyond 4 sigma.
    expect(copies).toBeGreaterThan(10);
    expect(copies).toBeLessThan(50);
  });
});

describe('metrics', () => {
  it('counts istio_requests_total on both ends with Istio labels, served in Prometheus text at :15020/stats/prometheus', async () => {
    await world.forward(client, { url: 'http://distributor:8080/', count: 4, idPrefix: 'm-' });
    const stats = client.network.inbound(STATS_PORT)!;
    const text = await (await fetch(`http://${stats.host}:${stats.port}/stats/prometheus`)).text();
    const lines = text.split('\n').filter((l) => l.startsWith('istio_requests_total{'));
    const total = lines.reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
    expect(total).toBe(4);
    expect(lines[0]).toContain('reporter="source"');
    expect(lines[0]).toContain('source_workload="requester"');
    expect(lines[0]).toContain('destination_service="distributor.default.svc.cluster.local"');
    expect(lines[0]).toContain('response_code="200"');
    expect(text).toContain('istio_request_duration_milliseconds_bucket{');
    // The servers counted the same requests as destination reporters, over mTLS.
    const serverLines = [];
    for (const pod of [v1, v2]) {
      const address = pod.network.inbound(STATS_PORT)!;
      const served = await (await fetch(`http://${address.host}:${address.port}/stats/prometheus`)).text();
      serverLines.push(...served.split('\n').filter((l) => l.startsWith('istio_requests_total{')));
    }
    expect(serverLines.reduce((sum, l) => sum + Number(l.split(' ').pop()), 0)).toBe(4);
    for (const line of serverLines) {
      expect(line).toContain('reporter="destination"');
      expect(line).toContain('connection_security_policy="mutual_tls"');
      expect(line).toMatch(/destination_workload="distributor-v[12]"/);
      expect(line).toContain('source_workload="requester"');
    }
  });

  it('workshop monitoring: the Prometheus stand-in answers instant queries with matchers and sum by', async () => {
    const prometheus = await world.plane.startAddon(
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'prometheus-1', namespace: 'istio-system' } } as KubeObject,
      'prom/prometheus:v3.5.0',
    );
    await world.forward(client, { url: 'http://distributor:8080/', count: 30, concurrency: 3 });
    const query = async (q: string) =>
      (await (await fetch(`http://${prometheus!.host}:${prometheus!.port}/api/v1/query?query=${encodeURIComponent(q)}`)).json()) as {
        status: string;
        data: { resultType: string; result: Array<{ metric: Record<string, string>; value: [number, string] }> };
        error?: string;
      };
    const total = await query('sum(istio_requests_total{reporter="destination",destination_service_name="distributor"})');
    expect(total).toMatchObject({ status: 'success', data: { resultType: 'vector' } });
    expect(total.data.result[0]!.value[1]).toBe('30');
    const byVersion = await query('sum by (destination_version) (istio_requests_total{reporter="source",source_workload="requester"})');
    const counts = Object.fromEntries(byVersion.data.result.map((r) => [r.metric.destination_version, Number(r.value[1])]));
    expect(counts.v1! + counts.v2!).toBe(30);
    const raw = await query('istio_requests_total{destination_version=~"v.*",response_code!="500"}');
    expect(raw.data.result.length).toBeGreaterThan(0);
    expect(raw.data.result[0]!.metric.__name__).toBe('istio_requests_total');
    expect(await query('rate(istio_requests_total[1m])')).toMatchObject({ status: 'error', errorType: 'bad_data' });
    // Istio's standard labels (istio.io docs/reference/config/metrics) and the scrape's target labels
    // (istio/istio@1.30.3 samples/addons/prometheus.yaml, job kubernetes-pods: pod labels, namespace, pod).
    const scraped = await query('istio_requests_total{reporter="destination",namespace="default",app="distributor"}');
    expect(scraped.data.result[0]!.metric).toMatchObject({
      job: 'kubernetes-pods',
      source_cluster: 'Kubernetes',
      destination_cluster: 'Kubernetes',
      source_canonical_service: 'requester',
      destination_canonical_service: 'distributor',
      destination_canonical_revision: expect.stringMatching(/^v[12]$/),
    });
    expect(scraped.data.result[0]!.metric.pod).toMatch(/^distributor-v[12]/);
    expect(scraped.data.result[0]!.metric.instance).toMatch(/^10\.244\.0\.\d+:15020$/);
  });

  it('addon stand-ins: Kiali redirects / to /kiali/ (302), Grafana and Jaeger serve their UI; other images are not addons', async () => {
    const pod = (name: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'istio-system' } }) as KubeObject;
    const kiali = await world.plane.startAddon(pod('kiali-1'), 'quay.io/kiali/kiali:v2.10');
    const grafana = await world.plane.startAddon(pod('grafana-1'), 'docker.io/grafana/grafana:12.0.0');
    const jaeger = await world.plane.startAddon(pod('jaeger-1'), 'docker.io/jaegertracing/all-in-one:1.67');
    expect(await world.plane.startAddon(pod('reloader'), 'ghcr.io/prometheus-operator/prometheus-config-reloader:v0.81')).toBeNull();
    expect(await world.plane.startAddon(pod('app'), 'nginx:1.27')).toBeNull();
    const kialiRoot = await fetch(`http://${kiali!.host}:${kiali!.port}/`, { redirect: 'manual' });
    expect(kialiRoot.status).toBe(302);
    expect(kialiRoot.headers.get('location')).toBe('/kiali/');
    expect((await fetch(`http://${kiali!.host}:${kiali!.port}/kiali/`)).status).toBe(200);
    expect((await fetch(`http://${grafana!.host}:${grafana!.port}/dashboards`)).status).toBe(200);
    expect((await fetch(`http://${jaeger!.host}:${jaeger!.port}/search`)).status).toBe(200);
  });

  it('kube-meshy Kiali through a gateway: Host kiali.istio.kind.org answers 302 via the ingress', async () => {
    await world.gateway('ingressgateway');
    const kialiPod = world.host.apply({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'kiali-1', namespace: 'istio-system', labels: { app: 'kiali' } },
      spec: { containers: [{ name: 'kiali', image: 'quay.io/kiali/kiali:v2.10', ports: [{ containerPort: 20001 }] }] },
      status: { conditions: [{ type: 'Ready', status: 'True' }] },
    });
    await world.plane.startAddon(kialiPod, 'quay.io/kiali/kiali:v2.10');
    world.service('kiali', { app: 'kiali' }, { namespace: 'istio-system', port: 20001, targetPort: 20001 });
    await world.apply({
      apiVersion: 'networking.istio.io/v1',
      kind: 'Gateway',
      metadata: { name: 'kiali-gateway', namespace: 'istio-system' },
      spec: { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 80 }, hosts: ['kiali.istio.kind.org'] }] },
    });
    await world.apply({
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'kiali', namespace: 'istio-system' },
      spec: { hosts: ['kiali.istio.kind.org'], gateways: ['kiali-gateway'], http: [{ route: [{ destination: { host: 'kiali', port: { number: 20001 } } }] }] },
    });
    const ingress = world.plane.ingressAddress()!;
    const status = await new Promise<number>((resolve, reject) => {
      request({ host: ingress.host, port: ingress.port, path: '/', headers: { host: 'kiali.istio.kind.org' } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      })
        .on('error', reject)
        .end();
    });
    expect(status).toBe(302);
  });
});
