import { describe, expect, it } from 'vitest';
import { ConnectionPool, OutlierDetector } from './breaker.js';
import type { Endpoint } from './resolve.js';

describe('ConnectionPool', () => {
  it('admits maxConnections, queues http1MaxPendingRequests, and overflows the rest', async () => {
    const pool = new ConnectionPool({ maxConnections: 1, http1MaxPendingRequests: 1 });
    const first = pool.acquire();
    expect(first).not.toBe('overflow');
    expect(first).not.toBeInstanceOf(Promise);
    const queued = pool.acquire();
    expect(queued).toBeInstanceOf(Promise);
    expect(pool.acquire()).toBe('overflow');
    (first as { release(): void }).release();
    const lease = await (queued as Promise<{ release(): void }>);
    expect(pool.acquire()).toBeInstanceOf(Promise);
    lease.release();
  });

  it('frees a slot only after the connection closes when maxRequestsPerConnection is 1', async () => {
    const pool = new ConnectionPool({ maxConnections: 1, http1MaxPendingRequests: 1, maxRequestsPerConnection: 1 });
    const first = pool.acquire() as { release(): void };
    first.release();
    // Still closing: the next request waits, and one more overflows.
    expect(pool.acquire()).toBeInstanceOf(Promise);
    expect(pool.acquire()).toBe('overflow');
  });
});

describe('OutlierDetector', () => {
  const endpoints: Endpoint[] = ['a', 'b', 'c'].map((id) => ({ id, address: { host: '127.0.0.1', port: 1 }, meshProxy: true, istioTlsMode: true }));

  it('ejects after consecutive 5xx; a success resets the count', () => {
    const detector = new OutlierDetector({ consecutive5xxErrors: 2, baseEjectionTimeMs: 60_000, maxEjectionPercent: 100 });
    detector.report(endpoints[0]!, 500, endpoints);
    detector.report(endpoints[0]!, 200, endpoints);
    detector.report(endpoints[0]!, 500, endpoints);
    expect(detector.healthy(endpoints).map((e) => e.id)).toEqual(['a', 'b', 'c']);
    detector.report(endpoints[0]!, 503, endpoints);
    expect(detector.healthy(endpoints).map((e) => e.id)).toEqual(['b', 'c']);
    expect(detector.healthy(endpoints, Date.now() + 61_000).map((e) => e.id)).toEqual(['a', 'b', 'c']);
  });

  it('ejects at least one host but no more than maxEjectionPercent', () => {
    const detector = new OutlierDetector({ consecutiveGatewayErrors: 1, baseEjectionTimeMs: 60_000, maxEjectionPercent: 10 });
    detector.report(endpoints[0]!, 0, endpoints);
    detector.report(endpoints[1]!, 502, endpoints);
    expect(detector.healthy(endpoints).map((e) => e.id)).toEqual(['b', 'c']);
  });
});
