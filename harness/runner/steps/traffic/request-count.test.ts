import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, requiredSampleSize } from '../../../stats/index.js';
import { TrafficExpect } from '../../../spec/schema.js';
import { autoRequestCount, DETERMINISTIC_REQUEST_COUNT, expectationPolicy, plannedSamples, statisticalExpectations } from './request-count.js';

describe('autoRequestCount', () => {
  it('uses a fixed count when every request is checked on its own', () => {
    expect(autoRequestCount(TrafficExpect.parse({ toReach: true, toRespondWith: { status: 200 } }))).toBe(DETERMINISTIC_REQUEST_COUNT);
  });

  it('takes the most demanding statistical expectation', () => {
    const expectations = TrafficExpect.parse({ toSucceed: { atLeast: 90 }, toMirrorTo: { mirror: 'app=m' }, toReach: true });
    expect(autoRequestCount(expectations)).toBe(requiredSampleSize({ kind: 'min', percent: 90 }));
    expect(autoRequestCount(expectations)).toBeGreaterThan(DETERMINISTIC_REQUEST_COUNT);
  });

  it('sizes a step with two share-based expectations for each at half the budget', () => {
    const expectations = TrafficExpect.parse({ toSplitTraffic: { split: { v1: 75, v2: 25 } }, toInjectDelay: { delay: '3s', share: 50 } });
    expect(expectationPolicy(expectations).falseFailure).toBe(DEFAULT_POLICY.falseFailure / 2);
    // 960 would do for the 50% delay alone (and 799 for the split).
    expect(autoRequestCount(expectations)).toBe(1010);
    expect(plannedSamples(statisticalExpectations(expectations), expectationPolicy(expectations))).toEqual(
      new Map([
        ['toSplitTraffic', 845],
        ['toInjectDelay', 1010],
      ]),
    );
  });

  it('leaves the whole budget, and every request, to expectations that cannot fail by chance', () => {
    const expectations = TrafficExpect.parse({
      toInjectDelay: { delay: '3s', share: 50 },
      toSucceed: { atLeast: 100 },
      toSplitTraffic: { split: { v1: 100 } },
    });
    expect(expectationPolicy(expectations)).toEqual(DEFAULT_POLICY);
    expect(autoRequestCount(expectations)).toBe(960);
    expect(plannedSamples(statisticalExpectations(expectations), DEFAULT_POLICY)).toEqual(new Map([['toInjectDelay', 960]]));
  });

  it('follows the policy: looser bounds need fewer requests', () => {
    const expectations = TrafficExpect.parse({ toSucceed: { atLeast: 90 } });
    expect(autoRequestCount(expectations, { falseFailure: 0.01, power: 0.9 })).toBeLessThan(autoRequestCount(expectations));
  });
});
