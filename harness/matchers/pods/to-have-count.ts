import type { MatcherState } from 'vitest';
import { z } from 'zod';
import { defineMatcher } from '../definition.js';
import { conclude, type MatcherResult } from '../engines.js';
import { describePod, expectPods } from './every-pod.js';

export const toHaveCount = defineMatcher({
  subject: 'pods',
  spec: z.number().int().nonnegative(),
  description: 'Number of pods the selector matches.',
  example: '`1`',
  match(this: MatcherState, received: unknown, expected: number): MatcherResult {
    const pods = expectPods(received, 'toHaveCount');
    return conclude(this, {
      matcher: 'toHaveCount',
      received: 'pods',
      expected,
      pass: pods.length === expected,
      detail: `${pods.length} pods matched, expected ${expected}`,
      findings: () => pods.map((pod) => `  ${describePod(pod)}`),
    });
  },
});
