import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startEchoServer, type EchoServer, type EchoServerOptions } from './server.js';
import { encodeForward, type EchoResponse, type ForwardResponse, type RequestLogPage } from './protocol.js';

const servers: EchoServer[] = [];
const others: http.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  await Promise.all(others.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function echo(options: Partial<EchoServerOptions> = {}): Promise<EchoServer> {
  const server = await startEchoServer({ service: 'backend', version: 'v1', pod: 'backend-v1-abc', namespace: 'shop', ...options });
  servers.push(server);
  return server;
}

async function get(url: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, { headers });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: () => JSON.parse(text) };
}

describe('echo server', () => {
  it('names its version, pod, namespace and every request header it received', async () => {
    const server = await echo();
    const res = await get(`${server.url}/hello?x=1`, { 'x-forwarded-client-cert': 'By=spiffe://a', 'x-envoy-attempt-count': '2' });
    const body: EchoResponse = res.json();
    expect(res.status).toBe(200);
    expect(res.headers.get('x-echo-version')).toBe('v1');
    expect(res.headers.get('x-echo-pod')).toBe('backend-v1-abc');
    expect(body).toMatchObject({ service: 'backend', version: 'v1', pod: 'backend-v1-abc', namespace: 'shop', method: 'GET', path: '/hello?x=1' });
    expect(body.headers['x-forwarded-client-cert']).toBe('By=spiffe://a');
    expect(body.headers['x-envoy-attempt-count']).toBe('2');
    expect(body.requestId).toMatch(/[0-9a-f-]{36}/);
  });

  it('answers ?status=, ?headers= and ?delay= per request', async () => {
    const server = await echo();
    const started = performance.now();
    const res = await get(`${server.url}/?status=503&delay=150ms&headers=x-a:1,x-b:two`);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    expect(res.status).toBe(503);
    expect(res.headers.get('x-a')).toBe('1');
    expect(res.headers.get('x-b')).toBe('two');
  });

  it('chooses ?codes= statuses by weight', async () => {
    const server = await echo();
    const statuses = await Promise.all(Array.from({ length: 200 }, () => get(`${server.url}/?codes=500:50,200:50`).then((r) => r.status)));
    const failures = statuses.filter((s) => s === 500).length;
    expect(statuses.every((s) => s === 500 || s === 200)).toBe(true);
    // Binomial(200, 0.5): outside 60..140 with probability < 1e-8.
    expect(failures).toBeGreaterThan(60);
    expect(failures).toBeLessThan(140);
  });

  it('refuses malformed controls with 400 naming the control', async () => {
    const server = await echo();
    const res = await get(`${server.url}/?delay=soon`);
    expect(res.status).toBe(400);
    expect(res.json().error).toMatch(/\?delay: "soon" is not a duration/);
  });

  it('fails --fail-percent of its requests with 500', async () => {
    const always = await echo({ failPercent: 100 });
    const never = await echo({ failPercent: 0 });
    expect((await get(always.url)).status).toBe(500);
    expect((await get(never.url)).status).toBe(200);
    const half = await echo({ failPercent: 50 });
    const statuses = await Promise.all(Array.from({ length: 200 }, () => get(half.url).then((r) => r.status)));
    const failures = statuses.filter((s) => s === 500).length;
    expect(failures).toBeGreaterThan(60);
    expect(failures).toBeLessThan(140);
  });

  it('calls its --upstream, embeds the answer and propagates x-request-id', async () => {
    const backend = await echo({ version: 'v2', pod: 'backend-v2' });
    const frontend = await echo({ service: 'frontend', pod: 'frontend-1', upstream: `${backend.url}/api` });
    const body: EchoResponse = (await get(frontend.url, { 'x-request-id': 'chain-1' })).json();
    expect(body.upstream).toMatchObject({ status: 200, body: { version: 'v2', pod: 'backend-v2', path: '/api', requestId: 'chain-1' } });
  });

  it('fails the chain when the upstream fails', async () => {
    const backend = await echo({ failPercent: 100 });
    const frontend = await echo({ upstream: backend.url });
    const res = await get(frontend.url);
    expect(res.status).toBe(500);
    const unreachable = await echo({ upstream: 'http://127.0.0.1:1/' });
    const down = await get(unreachable.url);
    expect(down.status).toBe(502);
    expect(down.json().upstream.error).toMatch(/ECONNREFUSED/);
  });

  it('sends outbound calls through MESHSPEC_OUTBOUND_PROXY in absolute form keeping the Host header', async () => {
    const seen: Array<{ url?: string; host?: string }> = [];
    const proxy = http.createServer((req, res) => {
      seen.push({ url: req.url, host: req.headers.host });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ version: 'v9', pod: 'remote' }));
    });
    others.push(proxy);
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    const frontend = await echo({ upstream: 'http://backend.shop:8080/notes', outboundProxy: proxyUrl });
    const body: EchoResponse = (await get(frontend.url)).json();
    expect(body.upstream).toMatchObject({ status: 200, body: { version: 'v9' } });
    const forward = encodeForward({ url: 'http://reviews:9080/r', count: 2 });
    const results: ForwardResponse = (await get(`${frontend.controlUrl}/_echo/forward/${forward}`)).json();
    expect(results.results.map((r) => r.version)).toEqual(['v9', 'v9']);
    expect(seen).toEqual([
      { url: 'http://backend.shop:8080/notes', host: 'backend.shop:8080' },
      { url: 'http://reviews:9080/r', host: 'reviews:9080' },
      { url: 'http://reviews:9080/r', host: 'reviews:9080' },
    ]);
  });
});

describe('forward call', () => {
  it('sends count requests and reports status, version, pod, headers and ids', async () => {
    const target = await echo({ version: 'v2', pod: 'target-1' });
    const client = await echo({ service: 'client', pod: 'client-1' });
    const forward = encodeForward({ url: `${target.url}/?codes=503:50,200:50`, count: 20, concurrency: 4, idPrefix: 'run7-', headers: { 'x-user': 'jason' } });
    const res = await get(`${client.controlUrl}/_echo/forward/${forward}`);
    const body: ForwardResponse = res.json();
    expect(body.from).toEqual({ pod: 'client-1', version: 'v1', namespace: 'shop' });
    expect(body.results).toHaveLength(20);
    expect(body.results.map((r) => r.id)).toEqual(Array.from({ length: 20 }, (_, i) => `run7-${i}`));
    for (const r of body.results) {
      expect([200, 503]).toContain(r.status);
      expect(r).toMatchObject({ version: 'v2', pod: 'target-1' });
      expect(r.headers['x-echo-version']).toBe('v2');
      expect((r.body as EchoResponse).headers['x-user']).toBe('jason');
      expect((r.body as EchoResponse).requestId).toBe(r.id);
    }
  });

  it('caps concurrency', async () => {
    const target = await echo();
    const client = await echo();
    const started = performance.now();
    const forward = encodeForward({ url: `${target.url}/?delay=100ms`, count: 6, concurrency: 2 });
    const body: ForwardResponse = (await get(`${client.controlUrl}/_echo/forward/${forward}`)).json();
    const elapsed = performance.now() - started;
    expect(body.results.every((r) => r.status === 200)).toBe(true);
    // 6 requests of 100 ms two at a time: pairs start together, three rounds in all.
    expect(elapsed).toBeGreaterThanOrEqual(290);
    const starts = body.results.map((r) => r.startedMs).sort((a, b) => a - b);
    expect(starts[1]! - starts[0]!).toBeLessThan(50);
    expect(starts[2]! - starts[0]!).toBeGreaterThanOrEqual(90);
  });

  it('paces requests at qps', async () => {
    const target = await echo();
    const client = await echo();
    const body: ForwardResponse = (
      await get(`${client.controlUrl}/_echo/forward/${encodeForward({ url: target.url, count: 5, qps: 20, concurrency: 5 })}`)
    ).json();
    const starts = body.results.map((r) => r.startedMs);
    expect(starts[4]! - starts[0]!).toBeGreaterThanOrEqual(190);
  });

  it('reports per-request timeouts and connection errors as status 0', async () => {
    const target = await echo();
    const client = await echo();
    const slow: ForwardResponse = (
      await get(`${client.controlUrl}/_echo/forward/${encodeForward({ url: `${target.url}/?delay=2s`, count: 1, timeoutMs: 100 })}`)
    ).json();
    expect(slow.results[0]).toMatchObject({ status: 0 });
    expect(slow.results[0]!.latencyMs).toBeLessThan(1000);
    expect(slow.results[0]!.error).toMatch(/timeout|abort/i);
    const refused: ForwardResponse = (await get(`${client.controlUrl}/_echo/forward/${encodeForward({ url: 'http://127.0.0.1:1/', count: 1 })}`)).json();
    expect(refused.results[0]).toMatchObject({ status: 0 });
    expect(refused.results[0]!.error).toMatch(/ECONNREFUSED/);
  });

  it('stops at the overall deadline and reports the requests it did not send', async () => {
    const target = await echo();
    const client = await echo();
    const started = performance.now();
    const body: ForwardResponse = (
      await get(`${client.controlUrl}/_echo/forward/${encodeForward({ url: `${target.url}/?delay=100ms`, count: 10, deadlineMs: 250 })}`)
    ).json();
    // Sent one after another, all ten would take a second.
    expect(performance.now() - started).toBeLessThan(900);
    expect(body.results).toHaveLength(10);
    const served = body.results.filter((r) => r.status === 200).length;
    expect(served).toBeGreaterThanOrEqual(1);
    expect(served).toBeLessThanOrEqual(2);
    expect(body.results.slice(served).every((r) => r.status === 0)).toBe(true);
    expect(body.results.at(-1)!.error).toMatch(/not sent: batch deadline of 250 ms passed/);
  });

  it('refuses a malformed forward request with 400 naming the field', async () => {
    const client = await echo();
    const bad = await get(`${client.controlUrl}/_echo/forward/${encodeForward({ url: 'http://x/', count: 0 })}`);
    expect(bad.status).toBe(400);
    expect(bad.json().error).toBe('forward request: field "count" must be an integer from 1 to 100000 (got 0)');
    const garbage = await get(`${client.controlUrl}/_echo/forward/@@@`);
    expect(garbage.status).toBe(400);
    expect(garbage.json().error).toMatch(/not base64url-encoded JSON/);
  });
});

describe('request log and health', () => {
  it('logs each request with its id and attempt, readable since a sequence number', async () => {
    const server = await echo();
    await get(`${server.url}/a`, { 'x-request-id': 'id-1' });
    await get(`${server.url}/b?status=503`, { 'x-request-id': 'id-2', 'x-envoy-attempt-count': '3' });
    const all: RequestLogPage = (await get(`${server.controlUrl}/_echo/requests`)).json();
    expect(all.lastSeq).toBe(2);
    expect(all.entries).toMatchObject([
      { seq: 1, id: 'id-1', path: '/a', status: 200 },
      { seq: 2, id: 'id-2', path: '/b?status=503', status: 503, attempt: 3 },
    ]);
    const later: RequestLogPage = (await get(`${server.controlUrl}/_echo/requests?since=1`)).json();
    expect(later.entries.map((e) => e.id)).toEqual(['id-2']);
    expect((await get(`${server.controlUrl}/_echo/requests?since=-1`)).status).toBe(400);
  });

  it('keeps only the newest entries when the log is full', async () => {
    const server = await echo({ logCapacity: 3 });
    for (let i = 0; i < 7; i++) await get(server.url, { 'x-request-id': `r${i}` });
    const page: RequestLogPage = (await get(`${server.controlUrl}/_echo/requests`)).json();
    expect(page.entries.map((e) => e.id)).toEqual(['r4', 'r5', 'r6']);
    expect(page.lastSeq).toBe(7);
  });

  it('reports healthy while serving, on the app port (where probes look) and on the control port', async () => {
    const server = await echo();
    expect((await get(`${server.url}/_echo/healthz`)).status).toBe(200);
    expect((await get(`${server.controlUrl}/_echo/healthz`)).status).toBe(200);
  });
});

describe('control port', () => {
  it('serves the forward call and the request log apart from the app, which answers them with 404 naming the control port', async () => {
    const server = await echo();
    expect(server.controlPort).not.toBe(server.port);
    const onApp = await get(`${server.url}/_echo/forward/${encodeForward({ url: server.url, count: 1 })}`);
    expect(onApp.status).toBe(404);
    expect(onApp.json().error).toBe("/_echo/forward/ is served on the control port (8079 in a container), not on the app's port");
    expect((await get(`${server.url}/_echo/requests`)).status).toBe(404);
    const notControl = await get(`${server.controlUrl}/hello`);
    expect(notControl.status).toBe(404);
    expect(notControl.json().error).toMatch(/^the control port serves \/_echo\/healthz, \/_echo\/requests and \/_echo\/forward\/<request>/);
    // Neither call counts as an app request.
    expect(((await get(`${server.controlUrl}/_echo/requests`)).json() as RequestLogPage).entries).toEqual([]);
  });

  it('does not start when the control port is taken', async () => {
    const taken = http.createServer();
    others.push(taken);
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const controlPort = (taken.address() as AddressInfo).port;
    await expect(echo({ controlPort })).rejects.toThrow(/EADDRINUSE/);
  });
});
