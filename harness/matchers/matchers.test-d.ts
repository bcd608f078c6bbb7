import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { TrafficResult } from '../contract/traffic.js';
import './index.js';

declare const traffic: TrafficResult;
declare const pods: V1Pod[];

describe('matcher types', () => {
  it('types traffic matchers as promises with their expectation shapes', () => {
    expectTypeOf(expect(traffic).toSplitTraffic({ split: { v1: 75, v2: 25 } })).toEqualTypeOf<Promise<void>>();
    expectTypeOf(expect(traffic).toSplitTraffic).parameter(0).toHaveProperty('by').toEqualTypeOf<string | undefined>();
    expectTypeOf(expect(traffic).toInjectDelay).parameter(0).toEqualTypeOf<{ delay: string; share: number }>();
    expectTypeOf(expect(traffic).not.toBeBlocked()).toEqualTypeOf<Promise<void>>();
    expectTypeOf(expect(traffic).toSucceed).toBeCallableWith();
    expectTypeOf(expect(traffic).toSucceed).toBeCallableWith({ atLeast: 99 }, { falseFailure: 1e-6 });
    expectTypeOf(expect(traffic).toMirrorTo).toBeCallableWith({ mirror: 'app=backend,version=v2', answeredBy: 'v1' });
  });

  it('types pod matchers as synchronous', () => {
    expectTypeOf(expect(pods).toHaveSidecar()).toEqualTypeOf<void>();
    expectTypeOf(expect(pods).toHaveCount).parameter(0).toEqualTypeOf<number>();
  });

  it('rejects wrong expectation shapes', () => {
    // @ts-expect-error: a split needs `split`
    void expect(traffic).toSplitTraffic({ by: 'version' });
    // @ts-expect-error: share is a number
    void expect(traffic).toAbortWith({ status: 500, share: '50' });
  });
});
