import type { MatcherState } from 'vitest';
import { z } from 'zod';
import { runningContainers } from '../../contract/pods.js';
import { defineMatcher } from '../definition.js';
import type { MatcherResult } from '../engines.js';
import { concludeEveryPod } from './every-pod.js';

export const toHaveContainers = defineMatcher({
  subject: 'pods',
  spec: z.number().int().positive(),
  description: 'Number of containers per pod as `kubectl get pods` READY shows it (e.g. 2 for app + sidecar).',
  example: '`2`',
  match(this: MatcherState, received: unknown, expected: number): MatcherResult {
    return concludeEveryPod(this, 'toHaveContainers', received, `run ${expected} containers`, (pod) => runningContainers(pod).length === expected, expected);
  },
});
