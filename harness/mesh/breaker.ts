/**
 * Per-proxy, per-cluster connection pool limits and outlier detection, as Envoy keeps them:
 * `connectionPool` turns excess concurrency into 503 overflows, `outlierDetection` ejects
 * endpoints after consecutive errors.
 */
import type { TrafficPolicy } from './config-types.js';
import type { Endpoint } from './resolve.js';

/**
 * How long a connection closed after `maxRequestsPerConnection` still counts against
 * `maxConnections`: Envoy frees the slot only once the close completes, which is why the
 * circuit-breaking task sees 503s with as few as two concurrent clients.
 */
const CONNECTION_CLOSE_MS = 2;

export interface Lease {
  release(): void;
}

export class ConnectionPool {
  private active = 0;
  private readonly waiting: Array<(lease: Lease) => void> = [];

  constructor(private readonly limits: NonNullable<TrafficPolicy['connectionPool']>) {}

  private get maxActive(): number {
    return Math.min(this.limits.maxConnections ?? Infinity, this.limits.http2MaxRequests ?? Infinity);
  }

  /** A lease, a promise of one once a slot frees, or 'overflow' when the pending queue is full too. */
  acquire(): Lease | Promise<Lease> | 'overflow' {
    if (this.active < this.maxActive) {
      this.active++;
      return this.lease();
    }
    if (this.waiting.length >= (this.limits.http1MaxPendingRequests ?? Infinity)) return 'overflow';
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private lease(): Lease {
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        const closes = this.limits.maxRequestsPerConnection === 1;
        if (closes) setTimeout(() => this.free(), CONNECTION_CLOSE_MS);
        else this.free();
      },
    };
  }

  private free(): void {
    const next = this.waiting.shift();
    if (next) next(this.lease());
    else this.active--;
  }
}

export class OutlierDetector {
  private readonly consecutive = new Map<string, { any5xx: number; gateway: number }>();
  private readonly ejectedUntil = new Map<string, number>();

  constructor(private readonly settings: NonNullable<TrafficPolicy['outlierDetection']>) {}

  healthy(endpoints: Endpoint[], now = Date.now()): Endpoint[] {
    return endpoints.filter((e) => (this.ejectedUntil.get(e.id) ?? 0) <= now);
  }

  /** `status` 0 stands for a local failure (connect failure, reset, timeout), counted as a gateway error. */
  report(endpoint: Endpoint, status: number, all: Endpoint[]): void {
    const counts = this.consecutive.get(endpoint.id) ?? { any5xx: 0, gateway: 0 };
    const failed = status === 0 || status >= 500;
    const gatewayError = status === 0 || status === 502 || status === 503 || status === 504;
    counts.any5xx = failed ? counts.any5xx + 1 : 0;
    counts.gateway = gatewayError ? counts.gateway + 1 : 0;
    this.consecutive.set(endpoint.id, counts);
    const { consecutive5xxErrors, consecutiveGatewayErrors } = this.settings;
    const trips =
      (consecutive5xxErrors !== undefined && consecutive5xxErrors > 0 && counts.any5xx >= consecutive5xxErrors) ||
      (consecutiveGatewayErrors !== undefined && consecutiveGatewayErrors > 0 && counts.gateway >= consecutiveGatewayErrors);
    if (!trips) return;
    const now = Date.now();
    const ejected = all.filter((e) => (this.ejectedUntil.get(e.id) ?? 0) > now).length;
    // Envoy ejects at least one host whatever maxEjectionPercent says.
    if (ejected > 0 && ((ejected + 1) / all.length) * 100 > this.settings.maxEjectionPercent) return;
    this.ejectedUntil.set(endpoint.id, now + this.settings.baseEjectionTimeMs);
    this.consecutive.delete(endpoint.id);
  }
}

interface ClusterBreaker {
  pool?: ConnectionPool;
  outlier?: OutlierDetector;
}

/** Breakers keyed by proxy and cluster, rebuilt when the cluster's policy changes. */
export class Breakers {
  private readonly byKey = new Map<string, { policy: TrafficPolicy; breaker: ClusterBreaker }>();

  get(proxyKey: string, clusterKey: string, policy: TrafficPolicy): ClusterBreaker {
    const key = `${proxyKey}|${clusterKey}`;
    const existing = this.byKey.get(key);
    if (existing && existing.policy === policy) return existing.breaker;
    const breaker: ClusterBreaker = {
      pool: policy.connectionPool && new ConnectionPool(policy.connectionPool),
      outlier: policy.outlierDetection && new OutlierDetector(policy.outlierDetection),
    };
    this.byKey.set(key, { policy, breaker });
    return breaker;
  }

  forget(proxyKey: string): void {
    for (const key of this.byKey.keys()) if (key.startsWith(`${proxyKey}|`)) this.byKey.delete(key);
  }
}
