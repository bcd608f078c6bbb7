import type { MatcherState } from 'vitest';
import { z } from 'zod';
import { isPodReady } from '../../contract/pods.js';
import { defineMatcher } from '../definition.js';
import type { MatcherResult } from '../engines.js';
import { concludeEveryPod } from './every-pod.js';

export const toBeReady = defineMatcher({
  subject: 'pods',
  spec: z.boolean(),
  description: 'Pods are Ready.',
  example: '`true`',
  match(this: MatcherState, received: unknown): MatcherResult {
    return concludeEveryPod(this, 'toBeReady', received, 'are ready', isPodReady);
  },
});
