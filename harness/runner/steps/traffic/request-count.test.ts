import { describe, expect, it } from 'vitest';
import { requiredSampleSize } from '../../../stats/index.js';
import { TrafficExpect } from '../../../spec/schema.js';
import { autoRequestCount, DETERMINISTIC_REQUEST_COUNT } from './request-count.js';

describe('autoRequestCount', () => {
  it('uses a fixed count when every request is checked on its own', () => {
    expect(autoRequestCount(TrafficExpect.parse({ toReach: true, toRespondWith: { status: 200 } }))).toBe(DETERMINISTIC_REQUEST_COUNT);
  });

  it('takes the most demanding statistical expectation', () => {
    const split = requiredSampleSize({ kind: 'split', expectedPercent: { v1: 75, v2: 25 } });
    const delay = requiredSampleSize({ kind: 'share', percent: 50 });
    const expectations = TrafficExpect.parse({ toSplitTraffic: { split: { v1: 75, v2: 25 } }, toInjectDelay: { delay: '3s', share: 50 } });
    expect(autoRequestCount(expectations)).toBe(Math.max(split, delay));
    expect(autoRequestCount(expectations)).toBeGreaterThan(DETERMINISTIC_REQUEST_COUNT);
  });

  it('follows the policy: looser bounds need fewer requests', () => {
    const expectations = TrafficExpect.parse({ toSucceed: { atLeast: 90 } });
    expect(autoRequestCount(expectations, { falseFailure: 0.01, power: 0.9 })).toBeLessThan(autoRequestCount(expectations));
  });
});
