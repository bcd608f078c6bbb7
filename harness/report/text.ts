/**
 * Plain-text pictures of a traffic batch for failure messages: a bar chart of observed vs
 * expected shares with their intervals, and a latency summary. Pure: each writes lines to a
 * target, so a message, a log file or a test can collect them.
 */
import type { ShareEstimate } from '../stats/verdict.js';
import { formatMs } from '../contract/format.js';
import type { LatencySummary } from '../stats/latency.js';

interface TextTarget {
  line(text?: string): void;
}

/** A target that keeps the lines, for building one string. */
export function lineCollector(): TextTarget & { text(): string } {
  const lines: string[] = [];
  return { line: (text = '') => void lines.push(text), text: () => lines.join('\n') };
}

const CHART_WIDTH = 40;

/** "75%", "33.3%". */
export function formatShare(share: number): string {
  return `${Number((share * 100).toFixed(1))}%`;
}

/**
 * One row per category:  `v1  ████████████████████──┃──·········  74.0% [68.1%, 79.4%] expected 75%`
 * █ observed share, ─ the part of the interval beyond it, ┃ the expected share, │ interval ends.
 */
export function writeShareChart(target: TextTarget, shares: readonly ShareEstimate[], expectedLabel = 'expected'): void {
  const keyWidth = Math.max(...shares.map((s) => s.key.length), 3);
  target.line(`${' '.repeat(keyWidth)}  0%${' '.repeat(CHART_WIDTH / 2 - 3)}50%${' '.repeat(CHART_WIDTH / 2 - 4)}100%`);
  for (const share of shares) {
    const cells = Array.from({ length: CHART_WIDTH + 1 }, (_, i): string => (i < Math.round(share.observed * CHART_WIDTH) ? '█' : '·'));
    const [low, high] = share.interval.map((v) => Math.round(v * CHART_WIDTH));
    for (let i = low; i <= high; i++) if (cells[i] === '·') cells[i] = '─';
    if (cells[low] !== '█') cells[low] = '│';
    if (cells[high] !== '█') cells[high] = '│';
    cells[Math.round(share.expected * CHART_WIDTH)] = '┃';
    const interval = `[${formatShare(share.interval[0])}, ${formatShare(share.interval[1])}]`;
    target.line(
      `${share.key.padEnd(keyWidth)}  ${cells.join('')}  ${formatShare(share.observed).padStart(6)} ${interval} ${expectedLabel} ${formatShare(share.expected)} (${share.count})`,
    );
  }
}

/** p50/p90/p99 and a histogram of latency buckets. */
export function writeLatency(target: TextTarget, latency: LatencySummary): void {
  target.line(
    `latency over ${latency.n} requests: p50 ${formatMs(latency.p50)}, p90 ${formatMs(latency.p90)}, p99 ${formatMs(latency.p99)}, max ${formatMs(latency.max)}`,
  );
  const largest = Math.max(1, ...latency.buckets.map((b) => b.count));
  const labels = latency.buckets.map((b) => (b.toMs === null ? `>= ${formatMs(b.fromMs)}` : `${formatMs(b.fromMs)}-${formatMs(b.toMs)}`));
  const labelWidth = Math.max(...labels.map((l) => l.length));
  latency.buckets.forEach((bucket, i) => {
    const bar = '█'.repeat(Math.round((bucket.count / largest) * 30)) || (bucket.count > 0 ? '▏' : '');
    target.line(`  ${labels[i].padStart(labelWidth)}  ${bar} ${bucket.count}`);
  });
}

/** "200 ×74, 503 ×26" */
export function formatTally(tally: Record<string, number>): string {
  return Object.entries(tally)
    .sort((a, b) => b[1] - a[1])
    .map(([key, count]) => `${key} ×${count}`)
    .join(', ');
}
