import type { MatcherState } from 'vitest';
import { z } from 'zod';
import type { RequestRecord } from '../../contract/traffic.js';
import { defineMatcher } from '../definition.js';
import { concludeEveryRequest, expectTraffic, type MatcherResult } from '../engines.js';
import { serverSeenHeaders } from './requests.js';

const spec = z.strictObject({
  sampled: z.boolean().default(true).describe('The trace is sampled (x-b3-sampled "1", or traceparent flags 01); false: it is not.'),
});
export type CarryTraceArgs = z.input<typeof spec>;

/** The trace id and sampled flag a hop's headers carry: B3 (Zipkin) first, else W3C traceparent (OpenTelemetry). */
function traceOf(headers: Record<string, string>): { traceId: string; sampled: boolean } | undefined {
  if (headers['x-b3-traceid']) return { traceId: headers['x-b3-traceid'], sampled: headers['x-b3-sampled'] === '1' };
  const w3c = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-([0-9a-f]{2})$/.exec(headers.traceparent ?? '');
  // Bit 0 of trace-flags is "sampled" (W3C Trace Context, https://www.w3.org/TR/trace-context/#trace-flags).
  return w3c ? { traceId: w3c[1]!, sampled: (Number.parseInt(w3c[2]!, 16) & 1) === 1 } : undefined;
}

/** Every echo hop of a request: the server's answer, then each `upstream` it forwarded to. */
function hops(request: RequestRecord): Array<Record<string, string> | undefined> {
  const seen: Array<Record<string, string> | undefined> = [serverSeenHeaders(request)];
  let body = request.body as { upstream?: { body?: unknown } } | undefined;
  while (body?.upstream) {
    const next = body.upstream.body as { headers?: Record<string, string>; upstream?: { body?: unknown } } | undefined;
    seen.push(next?.headers);
    body = next;
  }
  return seen;
}

/** Tracing as a tutorial shows it: every app on the path sees the same trace, sampled as configured. */
export const toCarryTrace = defineMatcher({
  subject: 'traffic',
  spec,
  description: 'Every app on the path (the server and each upstream it calls) saw the same trace context (B3 or W3C traceparent), sampled or not.',
  example: '`{ sampled: true }`',
  async match(this: MatcherState, received: unknown, expected: CarryTraceArgs = {}): Promise<MatcherResult> {
    const traffic = expectTraffic(received, 'toCarryTrace');
    const sampled = expected.sampled ?? true;
    return concludeEveryRequest(
      this,
      'toCarryTrace',
      traffic,
      { sampled },
      `carried one ${sampled ? 'sampled' : 'unsampled'} trace at every hop`,
      (request) => {
        let traceId: string | undefined;
        for (const [hop, headers] of hops(request).entries()) {
          if (!headers) return `hop ${hop + 1}: no echo body to read the headers from (status ${request.status})`;
          const trace = traceOf(headers);
          if (!trace) return `hop ${hop + 1}: no trace context (neither x-b3-traceid nor traceparent)`;
          if (trace.sampled !== sampled) return `hop ${hop + 1}: trace ${trace.traceId} is ${trace.sampled ? 'sampled' : 'not sampled'}`;
          if (traceId !== undefined && trace.traceId !== traceId)
            return `hop ${hop + 1}: trace ${trace.traceId}, the hop before was in ${traceId} (the app did not pass the trace headers on)`;
          traceId = trace.traceId;
        }
        return null;
      },
    );
  },
});
