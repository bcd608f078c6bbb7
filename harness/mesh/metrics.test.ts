import { describe, expect, it } from 'vitest';
import { MeshMetrics, renderPrometheusText } from './metrics.js';

describe('MeshMetrics', () => {
  it('counts requests per label set and keeps a cumulative duration histogram', () => {
    const metrics = new MeshMetrics();
    const labels = { reporter: 'source', response_code: '200' };
    metrics.record('ns/a', labels, 3);
    metrics.record('ns/a', { ...labels }, 700);
    metrics.record('ns/b', { reporter: 'source', response_code: '503' }, 0.2);
    const a = metrics.samples('ns/a');
    expect(a.find((s) => s.name === 'istio_requests_total')).toEqual({ name: 'istio_requests_total', labels, value: 2 });
    const bucket = (le: string) => a.find((s) => s.name === 'istio_request_duration_milliseconds_bucket' && s.labels.le === le)!.value;
    expect([bucket('1'), bucket('5'), bucket('500'), bucket('1000'), bucket('+Inf')]).toEqual([0, 1, 1, 2, 2]);
    expect(a.find((s) => s.name === 'istio_request_duration_milliseconds_sum')!.value).toBe(703);
    expect(metrics.samples().filter((s) => s.name === 'istio_requests_total')).toHaveLength(2);
  });

  it('renders the Prometheus text format with escaped label values', () => {
    const text = renderPrometheusText([{ name: 'istio_requests_total', labels: { path: 'a"b\\c' }, value: 4 }]);
    expect(text).toContain('# TYPE istio_requests_total counter');
    expect(text).toContain('istio_requests_total{path="a\\"b\\\\c"} 4\n');
  });
});
