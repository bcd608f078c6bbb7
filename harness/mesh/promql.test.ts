import { describe, expect, it } from 'vitest';
import { evaluate, parseQuery, PromQLError } from './promql.js';
import type { Sample } from './metrics.js';

const samples: Sample[] = [
  { name: 'istio_requests_total', labels: { destination_version: 'v1', response_code: '200' }, value: 7 },
  { name: 'istio_requests_total', labels: { destination_version: 'v2', response_code: '200' }, value: 2 },
  { name: 'istio_requests_total', labels: { destination_version: 'v2', response_code: '503' }, value: 1 },
  { name: 'istio_request_duration_milliseconds_count', labels: { destination_version: 'v1' }, value: 7 },
];

describe('promql stand-in', () => {
  it('selects by =, !=, =~ and !~', () => {
    const values = (q: string) => evaluate(parseQuery(q), samples).map((r) => r.value);
    expect(values('istio_requests_total')).toEqual([7, 2, 1]);
    expect(values('istio_requests_total{destination_version="v2"}')).toEqual([2, 1]);
    expect(values('istio_requests_total{response_code!="200"}')).toEqual([1]);
    expect(values('istio_requests_total{destination_version=~"v[12]", response_code!~"5.."}')).toEqual([7, 2]);
  });
  it('sums, counts and groups', () => {
    expect(evaluate(parseQuery('sum(istio_requests_total)'), samples)).toEqual([{ labels: {}, value: 10 }]);
    expect(evaluate(parseQuery('count(istio_requests_total)'), samples)).toEqual([{ labels: {}, value: 3 }]);
    expect(evaluate(parseQuery('sum by (destination_version) (istio_requests_total)'), samples)).toEqual([
      { labels: { destination_version: 'v1' }, value: 7 },
      { labels: { destination_version: 'v2' }, value: 3 },
    ]);
    expect(evaluate(parseQuery('sum(istio_requests_total) by (response_code)'), samples).map((r) => r.value)).toEqual([9, 1]);
    expect(evaluate(parseQuery('sum(istio_requests_total{destination_version=~"(v1|v3)"})'), samples)).toEqual([{ labels: {}, value: 7 }]);
  });
  it('refuses what it does not speak', () => {
    expect(() => parseQuery('rate(istio_requests_total[5m])')).toThrow(PromQLError);
    expect(() => parseQuery('istio_requests_total{a=b}')).toThrow('bad label matcher');
  });
});
