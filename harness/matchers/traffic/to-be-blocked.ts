import type { MatcherState } from 'vitest';
import { z } from 'zod';
import { defineMatcher } from '../definition.js';
import { concludeEveryRequest, expectTraffic, type MatcherResult } from '../engines.js';
import { isBlocked } from './requests.js';

export const toBeBlocked = defineMatcher({
  subject: 'traffic',
  spec: z.boolean(),
  description: 'The requests are refused (e.g. egress under `REGISTRY_ONLY`).',
  example: '`true`',
  async match(this: MatcherState, received: unknown): Promise<MatcherResult> {
    const traffic = expectTraffic(received, 'toBeBlocked');
    return concludeEveryRequest(this, 'toBeBlocked', traffic, undefined, 'were blocked (502, 503 or no response)', (request) =>
      isBlocked(request) ? null : `got through with status ${request.status}`,
    );
  },
});
