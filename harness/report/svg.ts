/**
 * Inline SVG charts for the HTML report: observed shares against expected with interval
 * whiskers, and a latency histogram. Pure string builders, no scripts, no external assets.
 */
import type { ShareEstimate } from '../stats/verdict.js';
import { formatMs } from '../contract/format.js';
import type { LatencySummary } from '../stats/latency.js';
import { formatShare } from './text.js';

const WIDTH = 560;
const LABEL_WIDTH = 130;
const VALUE_WIDTH = 110;
const PLOT_WIDTH = WIDTH - LABEL_WIDTH - VALUE_WIDTH;
const ROW_HEIGHT = 26;
const AXIS_HEIGHT = 22;

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const x = (share: number) => (LABEL_WIDTH + Math.min(1, Math.max(0, share)) * PLOT_WIDTH).toFixed(1);

/** One row per category: bar = observed, whisker = interval, dark tick = expected. */
export function shareChartSvg(shares: readonly ShareEstimate[], pass: boolean, title: string): string {
  const height = AXIS_HEIGHT + shares.length * ROW_HEIGHT + 6;
  const grid = [0, 0.25, 0.5, 0.75, 1]
    .map(
      (t) =>
        `<line class="grid" x1="${x(t)}" y1="${AXIS_HEIGHT - 4}" x2="${x(t)}" y2="${height - 4}"/>` +
        `<text class="axis" x="${x(t)}" y="${AXIS_HEIGHT - 8}" text-anchor="middle">${t * 100}%</text>`,
    )
    .join('');
  const rows = shares
    .map((share, i) => {
      const top = AXIS_HEIGHT + i * ROW_HEIGHT;
      const mid = top + ROW_HEIGHT / 2;
      const barWidth = Math.max(1, share.observed * PLOT_WIDTH).toFixed(1);
      const [low, high] = share.interval;
      return (
        `<g class="share"><title>${escapeHtml(`${share.key}: observed ${formatShare(share.observed)} (${share.count}), interval [${formatShare(low)}, ${formatShare(high)}], expected ${formatShare(share.expected)}`)}</title>` +
        `<text class="label" x="${LABEL_WIDTH - 8}" y="${mid + 4}" text-anchor="end">${escapeHtml(share.key)}</text>` +
        `<rect class="bar ${pass ? 'pass' : 'fail'}" x="${LABEL_WIDTH}" y="${top + 6}" width="${barWidth}" height="${ROW_HEIGHT - 12}"/>` +
        `<line class="whisker" x1="${x(low)}" y1="${mid}" x2="${x(high)}" y2="${mid}"/>` +
        `<line class="whisker" x1="${x(low)}" y1="${mid - 6}" x2="${x(low)}" y2="${mid + 6}"/>` +
        `<line class="whisker" x1="${x(high)}" y1="${mid - 6}" x2="${x(high)}" y2="${mid + 6}"/>` +
        `<line class="expected" x1="${x(share.expected)}" y1="${top + 2}" x2="${x(share.expected)}" y2="${top + ROW_HEIGHT - 2}"/>` +
        `<text class="value" x="${WIDTH - VALUE_WIDTH + 8}" y="${mid + 4}">${formatShare(share.observed)} / ${formatShare(share.expected)}</text></g>`
      );
    })
    .join('');
  return `<svg class="chart shares" role="img" aria-label="${escapeHtml(title)}" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" xmlns="http://www.w3.org/2000/svg">${grid}${rows}</svg>`;
}

/** Vertical bars per latency bucket, counts above, bucket bounds below. */
export function latencyHistogramSvg(latency: LatencySummary): string {
  const height = 170;
  const plotTop = 18;
  const plotBottom = height - 42;
  const slot = (WIDTH - 20) / Math.max(1, latency.buckets.length);
  const largest = Math.max(1, ...latency.buckets.map((b) => b.count));
  const bars = latency.buckets
    .map((bucket, i) => {
      const barHeight = ((plotBottom - plotTop) * bucket.count) / largest;
      const left = 10 + i * slot;
      const label = bucket.toMs === null ? `≥${formatMs(bucket.fromMs)}` : `<${formatMs(bucket.toMs)}`;
      return (
        `<g class="bucket"><title>${escapeHtml(`${formatMs(bucket.fromMs)}–${bucket.toMs === null ? '∞' : formatMs(bucket.toMs)}: ${bucket.count}`)}</title>` +
        `<rect class="bar latency" x="${(left + 3).toFixed(1)}" y="${(plotBottom - barHeight).toFixed(1)}" width="${(slot - 6).toFixed(1)}" height="${Math.max(bucket.count > 0 ? 1 : 0, barHeight).toFixed(1)}"/>` +
        `<text class="value" x="${(left + slot / 2).toFixed(1)}" y="${(plotBottom - barHeight - 4).toFixed(1)}" text-anchor="middle">${bucket.count}</text>` +
        `<text class="axis" x="${(left + slot / 2).toFixed(1)}" y="${plotBottom + 16}" text-anchor="middle">${escapeHtml(label)}</text></g>`
      );
    })
    .join('');
  const caption = `p50 ${formatMs(latency.p50)} · p90 ${formatMs(latency.p90)} · p99 ${formatMs(latency.p99)} · max ${formatMs(latency.max)}`;
  return (
    `<svg class="chart latency" role="img" aria-label="latency histogram" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" xmlns="http://www.w3.org/2000/svg">` +
    `<line class="grid" x1="10" y1="${plotBottom}" x2="${WIDTH - 10}" y2="${plotBottom}"/>${bars}` +
    `<text class="axis" x="${WIDTH / 2}" y="${height - 4}" text-anchor="middle">${escapeHtml(caption)}</text></svg>`
  );
}
