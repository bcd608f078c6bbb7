/**
 * The traffic step's subject: sends a batch of requests from inside the mesh (a workload's
 * echo forward call, reached through the API server's pod proxy) or from outside through
 * the ingress gateway, and keeps what every request saw.
 */
import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { request, type Dispatcher } from 'undici';
import type { ForwardRequest, ForwardedResult } from '../../apps/echo/src/protocol.js';
import type { ClusterHandle } from '../contract/cluster.js';
import type { KubeClients } from '../kube/types.js';
import { durationMs } from '../contract/units.js';
import type { TrafficAction } from '../spec/schema.js';
import { readyWorkloadPod } from '../kube/pods.js';
import { forwardFromPod } from './echo-pod.js';
import { attachRequestLogSource, requestLogSourceOf } from '../contract/traffic.js';
import { clusterRequestLogSource } from './request-log.js';
import type { RequestRecord, TrafficResult } from '../contract/traffic.js';

interface TrafficContext {
  kube: KubeClients;
  cluster: ClusterHandle;
  namespace: string;
  /** How many requests to send (the step resolves `requests: auto` before calling). */
  count: number;
  signal: AbortSignal;
}

const INGRESS = 'ingress';
/** Requests in flight when the spec does not say: enough that a 3 s delay chapter takes seconds, not minutes. */
export const DEFAULT_CONCURRENCY = 16;
/** Requests per forward call: keeps each proxied answer small and each call well inside proxy timeouts. */
const FORWARD_BATCH_SIZE = 200;
/** Kept of a non-JSON body, as the echo app's forward call does. */
const TEXT_BODY_LIMIT = 2048;

export async function sendTraffic(action: TrafficAction, ctx: TrafficContext): Promise<TrafficResult> {
  const startedAt = Date.now();
  const idPrefix = `${ctx.namespace}-${randomBytes(4).toString('hex')}`;
  const requests = action.from === INGRESS ? await sendThroughIngress(action, ctx, idPrefix) : await sendFromWorkload(action, ctx, idPrefix);
  const result: TrafficResult = {
    kind: 'meshspec.traffic',
    from: action.from,
    to: action.to,
    namespace: ctx.namespace,
    requests,
    startedAt,
    durationMs: Date.now() - startedAt,
  };
  attachRequestLogSource(result, clusterRequestLogSource(ctx.kube, ctx.namespace, ctx.signal));
  return result;
}

/**
 * One result from a batch and the next one sent after it: requests in order, start times on
 * the first batch's clock. The request-log source stays the first one's (same namespace).
 */
export function appendTraffic(first: TrafficResult, next: TrafficResult): TrafficResult {
  const offsetMs = next.startedAt - first.startedAt;
  const merged: TrafficResult = {
    ...first,
    requests: [...first.requests, ...next.requests.map((r) => ({ ...r, startedMs: r.startedMs + offsetMs }))],
    durationMs: offsetMs + next.durationMs,
  };
  const source = requestLogSourceOf(first);
  if (source) attachRequestLogSource(merged, source);
  return merged;
}

/** x-envoy-attempt-count as the answering server saw it: it is in the echo body's request headers. */
export function toRequestRecord(forwarded: ForwardedResult, offsetMs = 0): RequestRecord {
  const seen = (forwarded.body as { headers?: Record<string, string> } | undefined)?.headers?.['x-envoy-attempt-count'];
  const attempts = seen === undefined ? undefined : Number.parseInt(seen, 10);
  return {
    ...forwarded,
    startedMs: forwarded.startedMs + offsetMs,
    ...(attempts !== undefined && Number.isFinite(attempts) ? { attempts } : {}),
  };
}

async function sendFromWorkload(action: TrafficAction, ctx: TrafficContext, idPrefix: string): Promise<RequestRecord[]> {
  const pod = await readyWorkloadPod(ctx.kube, ctx.namespace, action.from);
  const batchStart = Date.now();
  const lanes = forwardLanes(ctx.count, action.concurrency ?? DEFAULT_CONCURRENCY, action.qps);
  const batches = new Array<RequestRecord[]>(Math.ceil(ctx.count / FORWARD_BATCH_SIZE));
  let next = 0;
  // The first lane to fail stops the others: the step fails with its error either way.
  const failed = new AbortController();
  const signal = AbortSignal.any([ctx.signal, failed.signal]);
  // Lanes take batches in turn, so a batch waiting on its slowest (say delayed) requests does
  // not hold back the requests of the next one; the lanes' shares keep `concurrency` and
  // `qps` the totals of the step.
  const lane = async ({ concurrency, qps }: ForwardLane) => {
    while (next < batches.length && !signal.aborted) {
      const index = next++;
      const sent = index * FORWARD_BATCH_SIZE;
      const forward: ForwardRequest = {
        url: action.to,
        method: action.method,
        headers: action.headers,
        body: action.body,
        count: Math.min(FORWARD_BATCH_SIZE, ctx.count - sent),
        concurrency,
        qps,
        timeoutMs: action.timeout === undefined ? undefined : durationMs(action.timeout),
        idPrefix: `${idPrefix}-b${index}-`,
      };
      const offsetMs = Date.now() - batchStart;
      const answer = await forwardFromPod(ctx.kube, pod, forward, signal);
      batches[index] = answer.results.map((r) => toRequestRecord(r, offsetMs));
    }
  };
  await Promise.all(
    lanes.map((forwardLane) =>
      lane(forwardLane).catch((error: unknown) => {
        failed.abort(error);
        throw error;
      }),
    ),
  );
  signal.throwIfAborted();
  return batches.flat();
}

interface ForwardLane {
  concurrency: number;
  qps?: number;
}

/**
 * Forward calls in flight at once for `count` requests, each with its share of the step's
 * concurrency and rate: as many as there are batches, but never more than one request each.
 */
export function forwardLanes(count: number, concurrency: number, qps: number | undefined): ForwardLane[] {
  const lanes = Math.max(1, Math.min(Math.ceil(count / FORWARD_BATCH_SIZE), concurrency));
  return Array.from({ length: lanes }, (_, i) => {
    const share = Math.floor(concurrency / lanes) + (i < concurrency % lanes ? 1 : 0);
    return { concurrency: share, ...(qps === undefined ? {} : { qps: (qps * share) / concurrency }) };
  });
}

async function sendThroughIngress(action: TrafficAction, ctx: TrafficContext, idPrefix: string): Promise<RequestRecord[]> {
  const ingress = ctx.cluster.ingress;
  if (!ingress) throw new Error(`provider ${ctx.cluster.provider} has no ingress gateway (scenario profile "minimal"?)`);
  const target = new URL(action.to);
  const base = new URL(ingress.http);
  const timeoutMs = action.timeout === undefined ? undefined : durationMs(action.timeout);
  const batchStart = Date.now();
  // One signal for the batch that every request in flight listens to: ours, so its fan-out
  // (one listener per request) is by design, not a leak, and the step's signal keeps one.
  const batch = new AbortController();
  setMaxListeners(0, batch.signal);
  const stop = () => batch.abort(ctx.signal.reason);
  ctx.signal.addEventListener('abort', stop, { once: true });
  if (ctx.signal.aborted) stop();
  const send = async (i: number): Promise<RequestRecord> => {
    const id = `${idPrefix}-${i}`;
    const started = Date.now();
    const signal = timeoutMs === undefined ? batch.signal : AbortSignal.any([batch.signal, AbortSignal.timeout(timeoutMs)]);
    const record = (status: number, extra: Partial<ForwardedResult>): RequestRecord =>
      toRequestRecord({ id, status, latencyMs: Date.now() - started, headers: {}, startedMs: started - batchStart, ...extra });
    try {
      const response = await request(new URL(target.pathname + target.search, base), {
        method: action.method as Dispatcher.HttpMethod,
        headers: { ...action.headers, host: target.host, 'x-request-id': id },
        body: action.body,
        signal,
      });
      const text = await response.body.text();
      const body = parseBody(text);
      const echo = body as { version?: unknown; pod?: unknown } | undefined;
      return record(response.statusCode, {
        headers: flattenHeaders(response.headers),
        body,
        ...(typeof echo?.version === 'string' ? { version: echo.version } : {}),
        ...(typeof echo?.pod === 'string' ? { pod: echo.pod } : {}),
      });
    } catch (error) {
      batch.signal.throwIfAborted();
      return record(0, { error: error instanceof Error ? error.message : String(error) });
    }
  };
  try {
    return await runPaced(ctx.count, action.concurrency ?? DEFAULT_CONCURRENCY, action.qps, batch.signal, send);
  } finally {
    ctx.signal.removeEventListener('abort', stop);
  }
}

/** Runs `count` calls with at most `concurrency` in flight, starting call i no earlier than i/qps seconds in. */
async function runPaced<T>(count: number, concurrency: number, qps: number | undefined, signal: AbortSignal, call: (i: number) => Promise<T>): Promise<T[]> {
  const results = new Array<T>(count);
  const start = Date.now();
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      if (qps) await sleepUntil(start + (i * 1000) / qps, signal);
      signal.throwIfAborted();
      results[i] = await call(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return results;
}

function sleepUntil(at: number, signal: AbortSignal): Promise<void> {
  const wait = at - Date.now();
  if (wait <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, wait);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text.slice(0, TEXT_BODY_LIMIT);
  }
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}
