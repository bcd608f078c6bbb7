import { beforeAll, describe, expect, it } from 'vitest';
import { attachRequestLogSource, requestLogSourceOf } from '../contract/traffic.js';
import type { RequestRecord, TrafficResult } from '../contract/traffic.js';
import { firstRequests } from './engines.js';
import { assertExpectations } from './expectations.js';
import { installMatchers, outcomesOf } from './index.js';

beforeAll(installMatchers);

let nextId = 0;
function request(overrides: Partial<RequestRecord> = {}): RequestRecord {
  const id = `req-${nextId++}`;
  return { id, status: 200, latencyMs: 5, version: 'v1', pod: 'backend-v1-a', headers: {}, startedMs: 0, ...overrides };
}
function traffic(...groups: [number, Partial<RequestRecord>][]): TrafficResult {
  return {
    kind: 'meshspec.traffic',
    from: 'client',
    to: 'http://backend:8080/',
    namespace: 'ns',
    requests: groups.flatMap(([count, overrides]) => Array.from({ length: count }, () => request(overrides))),
    startedAt: 0,
    durationMs: 1000,
  };
}
/** The failure message of an assertion that must fail. */
async function failureOf(assertion: Promise<unknown>): Promise<string> {
  const error = await assertion.then(
    () => null,
    (e: Error) => e,
  );
  if (!error) throw new Error('the assertion passed but was expected to fail');
  return error.message;
}

describe('toSplitTraffic', () => {
  it('passes a split consistent with the expected shares', async () => {
    await expect(traffic([148, { version: 'v1' }], [52, { version: 'v2' }])).toSplitTraffic({ split: { v1: 75, v2: 25 } });
  });

  it('fails a 60/40 misroute with hypothesis, chart, n and p-value', async () => {
    const message = await failureOf(
      expect(traffic([120, { version: 'v1' }], [80, { version: 'v2' }])).toSplitTraffic({ by: 'version', split: { v1: 75, v2: 25 } }),
    );
    expect(message).toContain('expect(traffic).toSplitTraffic(expected)');
    expect(message).toContain('Hypothesis: shares by version are v1 75%, v2 25%');
    expect(message).toMatch(/^v1 +█+.*60% \[.*\] expected 75% \(120\)$/m);
    expect(message).toMatch(/^v2 +█+.*40% \[.*\] expected 25% \(80\)$/m);
    expect(message).toMatch(/^n = 200, p = 0\.00000\d+$/m);
  });

  it('counts an unexpected version against the split', async () => {
    const message = await failureOf(expect(traffic([100, { version: 'v1' }], [10, { version: 'v3' }])).toSplitTraffic({ split: { v1: 100 } }));
    expect(message).toContain('Result: v1 got 100 of 110 requests, expected all; also off: v3');
  });

  it('tallies by a body field path', async () => {
    const result = traffic([50, { body: { upstream: { version: 'a' } } }], [50, { body: { upstream: { version: 'b' } } }]);
    await expect(result).toSplitTraffic({ by: 'body.upstream.version', split: { a: 50, b: 50 } });
  });

  it('rejects a received value that is not a traffic result', async () => {
    await expect(expect({ requests: [] }).toSplitTraffic({ split: { v1: 100 } })).rejects.toThrow(/must be a TrafficResult/);
  });

  it('records each outcome for the report', async () => {
    const result = traffic([100, { version: 'v1' }]);
    await expect(result).toSplitTraffic({ split: { v1: 100 } });
    await expect(result).not.toBeBlocked();
    expect(outcomesOf(result).map((o) => [o.matcher, o.pass])).toEqual([
      ['toSplitTraffic', true],
      ['.not.toBeBlocked', true],
    ]);
    expect(outcomesOf(result)[0].shares?.[0]).toMatchObject({ key: 'v1', count: 100, observed: 1 });
  });
});

describe('toInjectDelay', () => {
  it('passes when half the requests take at least the delay', async () => {
    await expect(traffic([100, { latencyMs: 3004 }], [100, { latencyMs: 4 }])).toInjectDelay({ delay: '3s', share: 50 });
  });

  it('fails when no request is delayed and shows the latency distribution', async () => {
    const message = await failureOf(expect(traffic([100, { latencyMs: 4 }])).toInjectDelay({ delay: '3s', share: 50 }));
    expect(message).toContain('share of requests delayed >= 3s is 50%');
    expect(message).toContain('latency over 100 requests: p50 4ms, p90 4ms, p99 4ms');
    expect(message).toMatch(/0ms-5ms +█+ 100/);
  });
});

describe('toAbortWith', () => {
  it('passes a 50% abort and fails a missing one, listing statuses', async () => {
    await expect(traffic([50, { status: 500 }], [50, {}])).toAbortWith({ status: 500, share: 50 });
    const message = await failureOf(expect(traffic([100, {}])).toAbortWith({ status: 500, share: 50 }));
    expect(message).toContain('statuses: 200 ×100');
  });
});

describe('toSucceed', () => {
  it('is one-sided: a perfect run passes a 90% bound, a 70% run fails it', async () => {
    await expect(traffic([100, {}])).toSucceed({ atLeast: 90 });
    const message = await failureOf(expect(traffic([70, {}], [30, { status: 503 }])).toSucceed({ atLeast: 90 }));
    expect(message).toContain('share of successful (2xx) requests is at least 90%');
    expect(message).toContain('statuses: 200 ×70, 503 ×30');
  });

  it('defaults to every request succeeding', async () => {
    await expect(traffic([60, {}])).toSucceed();
    await failureOf(expect(traffic([59, {}], [1, { status: 500 }])).toSucceed());
  });
});

describe('toRetry', () => {
  it('passes when some requests were retried within the bound', async () => {
    await expect(traffic([20, { attempts: 1 }], [10, { attempts: 3 }])).toRetry({ maxAttempts: 3 });
  });

  it('fails on too many attempts and when nothing was retried', async () => {
    const tooMany = await failureOf(expect(traffic([20, { attempts: 1 }], [1, { attempts: 5 }])).toRetry({ maxAttempts: 3 }));
    expect(tooMany).toContain('1 requests took more than 3 attempts');
    expect(tooMany).toContain('attempts seen by the server: 1 ×20, 5 ×1');
    expect(await failureOf(expect(traffic([20, { attempts: 1 }])).toRetry())).toContain('no request needed a second attempt');
  });

  it('says so when the server saw no attempt counts', async () => {
    expect(await failureOf(expect(traffic([5, {}])).toRetry())).toContain('is the server in the mesh?');
  });
});

describe('toMirrorTo', () => {
  function mirrored(result: TrafficResult, share: number): TrafficResult {
    const copied = result.requests.slice(0, Math.round(result.requests.length * share));
    attachRequestLogSource(result, {
      logsOf: async (selector) => {
        expect(selector).toBe('app=backend,version=v2');
        return [{ pod: 'backend-v2-a', entries: copied.map((r, seq) => ({ seq, id: r.id, method: 'GET', host: 'backend', path: '/', at: 0, status: 200 })) }];
      },
    });
    return result;
  }

  it('counts this batch ids in the mirror logs', async () => {
    await expect(mirrored(traffic([100, { version: 'v1' }]), 1)).toMirrorTo({ mirror: 'app=backend,version=v2', answeredBy: 'v1' });
    await expect(mirrored(traffic([200, { version: 'v1' }]), 0.5)).toMirrorTo({ mirror: 'app=backend,version=v2', share: 50 });
  });

  it('fails when copies are missing or answers come from the mirror', async () => {
    const missing = await failureOf(expect(mirrored(traffic([100, { version: 'v1' }]), 0.5)).toMirrorTo({ mirror: 'app=backend,version=v2' }));
    expect(missing).toContain('share of requests mirrored to app=backend,version=v2 is 100%');
    expect(missing).toContain('mirror pods: backend-v2-a (50 of this batch)');
    const stray = await failureOf(
      expect(mirrored(traffic([90, { version: 'v1' }], [10, { version: 'v2' }]), 1)).toMirrorTo({ mirror: 'app=backend,version=v2', answeredBy: 'v1' }),
    );
    expect(stray).toContain('10 answers did not come from v1');
    expect(stray).toContain('answered by: v1 ×90, v2 ×10');
  });

  it('waits for copies still in flight while the count grows, and stops when it does not', async () => {
    const result = traffic([40, { version: 'v1' }]);
    const entries = result.requests.map((r, seq) => ({ seq, id: r.id, method: 'GET', host: 'backend', path: '/', at: 0, status: 200 }));
    let reads = 0;
    // Half the copies are logged at the first read, all of them at the second.
    attachRequestLogSource(result, { logsOf: async () => [{ pod: 'm', entries: entries.slice(0, ++reads === 1 ? 20 : 40) }] });
    await expect(result).toMirrorTo({ mirror: 'app=m' });
    expect(reads).toBe(2);

    const stuck = traffic([40, { version: 'v1' }]);
    let stuckReads = 0;
    attachRequestLogSource(stuck, {
      logsOf: async () => {
        stuckReads++;
        return [{ pod: 'm', entries: [] }];
      },
    });
    const started = Date.now();
    await failureOf(expect(stuck).toMirrorTo({ mirror: 'app=m' }));
    expect(stuckReads).toBe(2);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('needs a result that knows where the request logs are', async () => {
    await expect(expect(traffic([1, {}])).toMirrorTo({ mirror: 'app=x' })).rejects.toThrow(/no request-log source/);
  });
});

describe('toRespondWith', () => {
  it('matches status, a body subset and header substrings', async () => {
    const result = traffic([10, { body: { service: 'backend', version: 'v1', headers: {} }, headers: { 'content-type': 'application/json' } }]);
    await expect(result).toRespondWith({ status: 200, body: { service: 'backend' }, headers: { 'Content-Type': 'json' } });
  });

  it('lists the offending requests with their reasons', async () => {
    const message = await failureOf(expect(traffic([3, {}], [2, { status: 404, version: undefined, pod: undefined }])).toRespondWith({ status: 200 }));
    expect(message).toContain('2 of 5 requests did not: responded as expected');
    expect(message).toMatch(/req-\d+ -> 404 in 5ms: status 404, expected 200/);
  });
});

describe('toBeBlocked / toReach', () => {
  const blocked = () => traffic([5, { status: 502 }], [5, { status: 0, error: 'ECONNRESET' }]);

  it('treats 502, 503 and no response as blocked', async () => {
    await expect(blocked()).toBeBlocked();
    await expect(traffic([5, {}])).toReach();
    await expect(traffic([5, { status: 404 }])).toReach();
  });

  it('fails with the requests that got through or were blocked', async () => {
    expect(await failureOf(expect(traffic([4, { status: 502 }], [1, {}])).toBeBlocked())).toContain('got through with status 200');
    expect(await failureOf(expect(blocked()).toReach())).toContain('blocked (ECONNRESET)');
    await failureOf(expect(traffic([5, { status: 502 }])).not.toBeBlocked());
  });
});

describe('toUseMutualTLS', () => {
  it('requires the server to have seen x-forwarded-client-cert', async () => {
    await expect(traffic([3, { body: { headers: { 'x-forwarded-client-cert': 'By=spiffe://cluster.local/ns/ns/sa/backend' } } }])).toUseMutualTLS();
    const message = await failureOf(expect(traffic([3, { body: { headers: {} } }])).toUseMutualTLS());
    expect(message).toContain('the server saw no x-forwarded-client-cert header');
  });
});

describe('toCarryTrace', () => {
  const tp = (trace: string, flags: string) => `00-${trace.repeat(32)}-${'1'.repeat(16)}-${flags}`;
  it('requires one trace, sampled as asked, at every hop (B3 or W3C trace-flags bit 0)', async () => {
    const joined = { body: { headers: { traceparent: tp('a', '01') }, upstream: { body: { headers: { traceparent: tp('a', '01') } } } } };
    await expect(traffic([2, joined])).toCarryTrace({ sampled: true });
    await expect(traffic([2, { body: { headers: { 'x-b3-traceid': 'b'.repeat(32), 'x-b3-sampled': '0' } } }])).toCarryTrace({ sampled: false });
    const broken = { body: { headers: { traceparent: tp('a', '01') }, upstream: { body: { headers: { traceparent: tp('c', '01') } } } } };
    expect(await failureOf(expect(traffic([1, broken])).toCarryTrace())).toContain('the app did not pass the trace headers on');
    expect(await failureOf(expect(traffic([1, { body: { headers: {} } }])).toCarryTrace())).toContain('hop 1: no trace context');
    expect(await failureOf(expect(traffic([1, { body: { headers: { traceparent: tp('a', '00') } } }])).toCarryTrace())).toContain('is not sampled');
  });
});

describe('assertExpectations', () => {
  it('runs booleans as plain and .not assertions and objects as arguments', async () => {
    const result = traffic([100, { version: 'v1' }]);
    await assertExpectations(result, { toSplitTraffic: { by: 'version', split: { v1: 100 } }, toBeBlocked: false, toReach: true });
    expect(outcomesOf(result).map((o) => o.matcher)).toEqual(['toSplitTraffic', '.not.toBeBlocked', 'toReach']);
  });

  it('runs every expectation and reports all failures together', async () => {
    const result = traffic([100, { status: 503, version: undefined }]);
    const error = await assertExpectations(result, { toReach: true, toSucceed: { atLeast: 90 }, toBeBlocked: true }).then(
      () => null,
      (e: Error) => e,
    );
    expect(error?.message).toMatch(/^2 expectations failed/);
    expect(error?.message).toContain('expect(traffic).toReach()');
    expect(error?.message).toContain('expect(traffic).toSucceed(expected)');
    expect(outcomesOf(result).map((o) => o.pass)).toEqual([false, false, true]);
  });

  it('asserts an expectation on its own subject and under its own policy, recording it in the whole result', async () => {
    // 750/250 then 250 more to v1: the first 1000 are right, all 1250 are not.
    const result = traffic([750, { version: 'v1' }], [250, { version: 'v2' }], [250, { version: 'v1' }]);
    const split = { split: { v1: 75, v2: 25 } };
    const prefix = firstRequests(result, 1000);
    await assertExpectations(result, { toSplitTraffic: split, toReach: true }, { toSplitTraffic: { subject: prefix } });
    expect(outcomesOf(result).map((o) => [o.matcher, o.pass])).toEqual([
      ['toSplitTraffic', true],
      ['toReach', true],
    ]);
    expect(outcomesOf(prefix)).toEqual([]);
    await failureOf(assertExpectations(result, { toSplitTraffic: split }));
    // 180 of 800 (22.5%) to v2 passes at the default policy, and fails one that allows 20% false failures.
    const loose = traffic([620, { version: 'v1' }], [180, { version: 'v2' }]);
    await assertExpectations(loose, { toSplitTraffic: split });
    await failureOf(assertExpectations(loose, { toSplitTraffic: split }, { toSplitTraffic: { policy: { falseFailure: 0.2 } } }));
  });
});

describe('firstRequests', () => {
  it('cuts a prefix that keeps the request-log source, and is the result itself when nothing is cut', () => {
    const result = traffic([5, {}]);
    const source = { logsOf: async () => [] };
    attachRequestLogSource(result, source);
    const prefix = firstRequests(result, 3);
    expect(prefix.requests).toEqual(result.requests.slice(0, 3));
    expect(requestLogSourceOf(prefix)).toBe(source);
    expect(firstRequests(prefix, 2).requests).toHaveLength(2);
    expect(firstRequests(result, 5)).toBe(result);
  });
});
