/**
 * The echo server: answers every request with an EchoResponse naming its version and pod and
 * every header it received; fails on purpose when asked; calls its upstream. Its control
 * endpoints (forward call, request log) answer on a port of their own (see CONTROL_PORT).
 */
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createOutboundClient, flattenHeaders } from './client.js';
import { ControlError, parseControls } from './controls.js';
import { ForwardRequestError, runForward, validateForwardRequest } from './forward.js';
import { CONTROL_PORT, decodeForward, FORWARD_PATH, HEALTH_PATH, REQUESTS_PATH, type EchoResponse, type RequestLogPage } from './protocol.js';
import { RequestLog } from './request-log.js';

export interface EchoServerOptions {
  service: string;
  version: string;
  pod: string;
  namespace: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Port of the control endpoints; 0 (the default) picks a free port. */
  controlPort?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Share of ordinary requests answered with 500, 0-100. */
  failPercent?: number;
  /** Called on every ordinary request; its answer is embedded in the response. */
  upstream?: string;
  /** http://host:port of a forward proxy every outbound request goes through. */
  outboundProxy?: string;
  /** Request log size. */
  logCapacity?: number;
  /** How long close() lets in-flight requests finish, ms. */
  drainMs?: number;
}

export interface EchoServer {
  host: string;
  port: number;
  /** http://host:port */
  url: string;
  controlPort: number;
  /** http://host:controlPort: forward call, request log, health. */
  controlUrl: string;
  /** Stops accepting, reports unready, lets in-flight requests finish (bounded), then resolves. */
  close(): Promise<void>;
}

/** Headers an app must pass on for Istio's tracing and request correlation to work. */
const PROPAGATED_HEADERS = [
  'x-request-id',
  'x-b3-traceid',
  'x-b3-spanid',
  'x-b3-parentspanid',
  'x-b3-sampled',
  'x-b3-flags',
  'b3',
  'traceparent',
  'tracestate',
  'x-ot-span-context',
  'x-cloud-trace-context',
  'grpc-trace-bin',
];

function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startEchoServer(options: EchoServerOptions): Promise<EchoServer> {
  const client = createOutboundClient(options.outboundProxy);
  const log = new RequestLog(options.logCapacity);
  const failPercent = options.failPercent ?? 0;
  const identity = { pod: options.pod, version: options.version, namespace: options.namespace };
  let ready = false;

  async function callUpstream(url: string, incoming: Record<string, string>): Promise<EchoResponse['upstream']> {
    const headers: Record<string, string> = {};
    for (const name of PROPAGATED_HEADERS) if (incoming[name] !== undefined) headers[name] = incoming[name];
    try {
      const response = await client.send({ url, method: 'GET', headers });
      const text = response.body.toString('utf8');
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // A non-JSON upstream answer is embedded as text.
      }
      return { status: response.status, body };
    } catch (error) {
      return { error: error instanceof Error ? error.message : String(error) };
    }
  }

  async function echo(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    const headers = flattenHeaders(req.headers);
    const requestId = headers['x-request-id'] ?? randomUUID();
    headers['x-request-id'] ??= requestId;
    const controls = parseControls(url.searchParams);
    if (controls.delayMs > 0) await sleep(controls.delayMs);
    let status = controls.status ?? (Math.random() * 100 < failPercent ? 500 : 200);
    const body: EchoResponse = {
      service: options.service,
      version: options.version,
      pod: options.pod,
      namespace: options.namespace,
      method: req.method ?? 'GET',
      host: headers.host ?? '',
      path: req.url ?? '/',
      headers,
      requestId,
    };
    if (options.upstream) {
      body.upstream = await callUpstream(options.upstream, headers);
      // A failing upstream fails the chain, as the tutorials' frontends do, unless a control chose the status.
      if (controls.status === undefined && status < 400) {
        if ('error' in body.upstream!) status = 502;
        else if (body.upstream!.status >= 400) status = body.upstream!.status;
      }
    }
    const attempt = Number(headers['x-envoy-attempt-count']);
    log.add({
      id: requestId,
      method: body.method,
      host: body.host,
      path: body.path,
      at: Date.now(),
      status,
      ...(Number.isInteger(attempt) && attempt > 0 ? { attempt } : {}),
    });
    sendJson(res, status, body, {
      ...controls.headers,
      'x-echo-version': options.version,
      'x-echo-pod': options.pod,
      'x-echo-service': options.service,
    });
  }

  function health(res: http.ServerResponse): void {
    sendJson(res, ready ? 200 : 503, { ready });
  }

  /** The app's port: every request is echoed, except the health path probes use. */
  async function handleApp(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://echo.invalid');
    if (url.pathname === HEALTH_PATH) health(res);
    else if (url.pathname === REQUESTS_PATH || url.pathname.startsWith(FORWARD_PATH)) {
      sendJson(res, 404, {
        error: `${url.pathname.startsWith(FORWARD_PATH) ? FORWARD_PATH : REQUESTS_PATH} is served on the control port (${CONTROL_PORT} in a container), not on the app's port`,
      });
    } else await echo(req, res, url);
  }

  async function handleControl(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://echo.invalid');
    if (url.pathname === HEALTH_PATH) {
      health(res);
    } else if (url.pathname === REQUESTS_PATH) {
      const since = Number(url.searchParams.get('since') ?? '0');
      if (!Number.isInteger(since) || since < 0) {
        sendJson(res, 400, { error: `?since must be a non-negative integer (got "${url.searchParams.get('since')}")` });
        return;
      }
      const page: RequestLogPage = { ...identity, lastSeq: log.lastSeq, entries: log.since(since) };
      sendJson(res, 200, page);
    } else if (url.pathname.startsWith(FORWARD_PATH)) {
      let forward: ReturnType<typeof validateForwardRequest>;
      try {
        forward = validateForwardRequest(decodeForward(url.pathname.slice(FORWARD_PATH.length)));
      } catch (error) {
        const message = error instanceof ForwardRequestError ? error.message : `forward request: not base64url-encoded JSON (${(error as Error).message})`;
        sendJson(res, 400, { error: message });
        return;
      }
      sendJson(res, 200, await runForward(forward, client, identity));
    } else {
      sendJson(res, 404, { error: `the control port serves ${HEALTH_PATH}, ${REQUESTS_PATH} and ${FORWARD_PATH}<request>; the app answers on its own port` });
    }
  }

  function createServer(handle: (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>): http.Server {
    const server = http.createServer((req, res) => {
      req.resume(); // the body is never needed; drain it so keep-alive works
      handle(req, res).catch((error: unknown) => {
        const status = error instanceof ControlError ? 400 : 500;
        if (!res.headersSent) sendJson(res, status, { error: error instanceof Error ? error.message : String(error) });
        else res.destroy();
      });
    });
    server.keepAliveTimeout = 65_000;
    return server;
  }

  const listen = (server: http.Server, port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve((server.address() as AddressInfo).port);
      });
    });

  const host = options.host ?? '127.0.0.1';
  const app = createServer(handleApp);
  const control = createServer(handleControl);
  const servers = [app, control];
  let port: number;
  let controlPort: number;
  try {
    port = await listen(app, options.port ?? 0);
    controlPort = await listen(control, options.controlPort ?? 0);
  } catch (error) {
    await Promise.all(servers.filter((s) => s.listening).map((s) => new Promise((resolve) => s.close(resolve))));
    client.close();
    throw error;
  }
  ready = true;
  const urlOf = (p: number) => `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${p}`;

  return {
    host,
    port,
    url: urlOf(port),
    controlPort,
    controlUrl: urlOf(controlPort),
    async close() {
      ready = false;
      const closed = Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
      for (const server of servers) server.closeIdleConnections();
      const drain = setTimeout(() => {
        for (const server of servers) server.closeAllConnections();
      }, options.drainMs ?? 2000);
      await closed;
      clearTimeout(drain);
      client.close();
    },
  };
}
