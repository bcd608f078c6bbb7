/**
 * Istio's standard metrics, counted by every emulated proxy: istio_requests_total and the
 * istio_request_duration_milliseconds histogram, with Istio's label names.
 */

const REQUESTS_TOTAL = 'istio_requests_total';
const REQUEST_DURATION = 'istio_request_duration_milliseconds';

/** Istio's default duration buckets, ms. */
const BUCKETS = [0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000];

export type Labels = Record<string, string>;

interface Series {
  labels: Labels;
  count: number;
  sum: number;
  /** Observations per bucket (not cumulative; the +Inf bucket last). */
  buckets: number[];
}

/** One sample as Prometheus would return it. */
export interface Sample {
  name: string;
  labels: Labels;
  value: number;
}

export class MeshMetrics {
  private readonly byProxy = new Map<string, Map<string, Series>>();

  record(proxy: string, labels: Labels, durationMs: number): void {
    let series = this.byProxy.get(proxy);
    if (!series) {
      series = new Map();
      this.byProxy.set(proxy, series);
    }
    // Label sets are built with a fixed key order, so their values identify a series (hot path: no sorting).
    const key = Object.values(labels).join('\u0000');
    let one = series.get(key);
    if (!one) {
      one = { labels, count: 0, sum: 0, buckets: new Array(BUCKETS.length + 1).fill(0) };
      series.set(key, one);
    }
    one.count++;
    one.sum += durationMs;
    const bucket = BUCKETS.findIndex((bound) => durationMs <= bound);
    one.buckets[bucket < 0 ? BUCKETS.length : bucket]!++;
  }

  /** The proxies that recorded something. */
  proxies(): string[] {
    return [...this.byProxy.keys()];
  }

  /** Every sample of one proxy, or of all proxies. */
  samples(proxy?: string): Sample[] {
    const sources = proxy === undefined ? [...this.byProxy.values()] : [this.byProxy.get(proxy) ?? new Map<string, Series>()];
    const samples: Sample[] = [];
    for (const series of sources) {
      for (const s of series.values()) {
        samples.push({ name: REQUESTS_TOTAL, labels: s.labels, value: s.count });
        samples.push({ name: `${REQUEST_DURATION}_sum`, labels: s.labels, value: s.sum });
        samples.push({ name: `${REQUEST_DURATION}_count`, labels: s.labels, value: s.count });
        let cumulative = 0;
        BUCKETS.forEach((bound, i) => {
          cumulative += s.buckets[i]!;
          samples.push({ name: `${REQUEST_DURATION}_bucket`, labels: { ...s.labels, le: String(bound) }, value: cumulative });
        });
        samples.push({ name: `${REQUEST_DURATION}_bucket`, labels: { ...s.labels, le: '+Inf' }, value: s.count });
      }
    }
    return samples;
  }

  forget(proxy: string): void {
    this.byProxy.delete(proxy);
  }
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** Prometheus text exposition format, as a sidecar serves it at :15020/stats/prometheus. */
export function renderPrometheusText(samples: Sample[]): string {
  const lines = [`# TYPE ${REQUESTS_TOTAL} counter`, `# TYPE ${REQUEST_DURATION} histogram`];
  for (const s of samples) {
    const labels = Object.entries(s.labels)
      .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
      .join(',');
    lines.push(`${s.name}{${labels}} ${s.value}`);
  }
  return `${lines.join('\n')}\n`;
}
