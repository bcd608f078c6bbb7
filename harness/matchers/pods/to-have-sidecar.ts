import type { MatcherState } from 'vitest';
import { z } from 'zod';
import { hasSidecar } from '../../contract/pods.js';
import { defineMatcher } from '../definition.js';
import type { MatcherResult } from '../engines.js';
import { concludeEveryPod } from './every-pod.js';

export const toHaveSidecar = defineMatcher({
  subject: 'pods',
  spec: z.boolean(),
  description: 'Pods have an istio-proxy sidecar (classic or native).',
  example: '`true`',
  match(this: MatcherState, received: unknown): MatcherResult {
    return concludeEveryPod(this, 'toHaveSidecar', received, 'have an istio-proxy sidecar', hasSidecar);
  },
});
