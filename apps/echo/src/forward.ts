/**
 * The forward call: the app itself sends `count` requests (with a concurrency cap, an optional
 * qps pace, a per-request timeout and one overall deadline) and reports each one. This is how
 * scenarios measure traffic from inside the mesh, tallied by responding version and pod.
 */
import type { ForwardedResult, ForwardRequest, ForwardResponse } from './protocol.js';
import type { OutboundClient } from './client.js';

export class ForwardRequestError extends Error {
  override name = 'ForwardRequestError';
}

const MAX_COUNT = 100_000;
const PREVIEW_BYTES = 2048;

function requirePositiveInteger(req: ForwardRequest, field: keyof ForwardRequest, max = Number.MAX_SAFE_INTEGER): void {
  const value = req[field];
  if (value === undefined && field !== 'count') return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw new ForwardRequestError(`forward request: field "${field}" must be an integer from 1 to ${max} (got ${JSON.stringify(value)})`);
  }
}

/** Checks a decoded forward request, naming the field at fault. */
export function validateForwardRequest(req: unknown): ForwardRequest {
  if (typeof req !== 'object' || req === null) throw new ForwardRequestError('forward request: expected a JSON object');
  const forward = req as ForwardRequest;
  if (typeof forward.url !== 'string' || !/^https?:\/\/[^/]/.test(forward.url)) {
    throw new ForwardRequestError(`forward request: field "url" must be an http:// URL (got ${JSON.stringify(forward.url)})`);
  }
  requirePositiveInteger(forward, 'count', MAX_COUNT);
  requirePositiveInteger(forward, 'concurrency');
  requirePositiveInteger(forward, 'timeoutMs');
  requirePositiveInteger(forward, 'deadlineMs');
  if (forward.qps !== undefined && !(typeof forward.qps === 'number' && forward.qps > 0)) {
    throw new ForwardRequestError(`forward request: field "qps" must be a positive number (got ${JSON.stringify(forward.qps)})`);
  }
  if (
    forward.headers !== undefined &&
    (typeof forward.headers !== 'object' || forward.headers === null || Object.values(forward.headers).some((v) => typeof v !== 'string'))
  ) {
    throw new ForwardRequestError('forward request: field "headers" must map header names to strings');
  }
  return forward;
}

function describeBody(body: Buffer, contentType: string | undefined): unknown {
  if (contentType?.includes('json')) {
    try {
      return JSON.parse(body.toString('utf8'));
    } catch {
      // Not JSON after all: fall through to the text preview.
    }
  }
  return body.subarray(0, PREVIEW_BYTES).toString('utf8');
}

function errorText(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return code ? `${code}: ${error.message}` : `${error.message}${cause}`;
  }
  return String(error);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runForward(req: ForwardRequest, client: OutboundClient, from: ForwardResponse['from']): Promise<ForwardResponse> {
  const batchStart = performance.now();
  const deadline = req.deadlineMs !== undefined ? AbortSignal.timeout(req.deadlineMs) : undefined;
  const idPrefix = req.idPrefix ?? `${from.pod}-${Date.now().toString(36)}-`;
  const results: ForwardedResult[] = new Array(req.count);
  let next = 0;

  async function sendOne(index: number): Promise<ForwardedResult> {
    const id = `${idPrefix}${index}`;
    const startedMs = performance.now() - batchStart;
    if (deadline?.aborted) {
      return { id, status: 0, latencyMs: 0, headers: {}, error: `not sent: batch deadline of ${req.deadlineMs} ms passed`, startedMs };
    }
    const signals = [deadline, req.timeoutMs !== undefined ? AbortSignal.timeout(req.timeoutMs) : undefined].filter((s) => s !== undefined);
    const started = performance.now();
    try {
      const response = await client.send({
        url: req.url,
        method: req.method ?? 'GET',
        headers: { ...req.headers, 'x-request-id': id },
        body: req.body,
        signal: signals.length > 0 ? AbortSignal.any(signals) : undefined,
      });
      const body = describeBody(response.body, response.headers['content-type']);
      const echo = typeof body === 'object' && body !== null ? (body as { version?: unknown; pod?: unknown }) : {};
      return {
        id,
        status: response.status,
        latencyMs: performance.now() - started,
        version: typeof echo.version === 'string' ? echo.version : undefined,
        pod: typeof echo.pod === 'string' ? echo.pod : undefined,
        headers: response.headers,
        body,
        startedMs,
      };
    } catch (error) {
      return { id, status: 0, latencyMs: performance.now() - started, headers: {}, error: errorText(error), startedMs };
    }
  }

  async function worker(): Promise<void> {
    while (next < req.count) {
      const index = next++;
      if (req.qps !== undefined) {
        const due = (index * 1000) / req.qps - (performance.now() - batchStart);
        if (due > 0) await sleep(due);
      }
      results[index] = await sendOne(index);
    }
  }

  const workers = Math.min(req.concurrency ?? 1, req.count);
  await Promise.all(Array.from({ length: workers }, worker));
  return { from, results };
}
