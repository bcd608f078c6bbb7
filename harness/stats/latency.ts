/** Latency distribution of a batch: what failure messages and the HTML report show. */

interface LatencyBucket {
  /** Bucket covers latencies in [fromMs, toMs); toMs is null for the open last bucket. */
  fromMs: number;
  toMs: number | null;
  count: number;
}

export interface LatencySummary {
  n: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  buckets: LatencyBucket[];
}

/** Roughly logarithmic edges, so a 5 ms answer and a 3 s fault delay both land in a readable bucket. */
const EDGES_MS = [0, 5, 10, 25, 50, 100, 250, 500, 1000, 2000, 3000, 5000, 10_000, 30_000];

export function summarizeLatency(requests: readonly { latencyMs: number }[]): LatencySummary {
  const sorted = requests.map((r) => r.latencyMs).sort((a, b) => a - b);
  const counts = EDGES_MS.map(() => 0);
  for (const latency of sorted) counts[bucketIndex(latency)]++;
  const used = counts.map((c, i) => (c > 0 ? i : -1)).filter((i) => i >= 0);
  const first = used[0] ?? 0;
  const last = used.at(-1) ?? 0;
  const buckets: LatencyBucket[] = [];
  for (let i = first; i <= last; i++) {
    buckets.push({ fromMs: EDGES_MS[i], toMs: EDGES_MS[i + 1] ?? null, count: counts[i] });
  }
  return {
    n: sorted.length,
    p50: quantile(sorted, 0.5),
    p90: quantile(sorted, 0.9),
    p99: quantile(sorted, 0.99),
    max: sorted.at(-1) ?? 0,
    buckets,
  };
}

function bucketIndex(latencyMs: number): number {
  let i = EDGES_MS.length - 1;
  while (i > 0 && latencyMs < EDGES_MS[i]) i--;
  return i;
}

/** Nearest-rank quantile of sorted values; 0 for an empty batch. */
function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}
