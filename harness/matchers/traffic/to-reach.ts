import type { MatcherState } from 'vitest';
import { z } from 'zod';
import { defineMatcher } from '../definition.js';
import { concludeEveryRequest, expectTraffic, type MatcherResult } from '../engines.js';
import { isBlocked } from './requests.js';

export const toReach = defineMatcher({
  subject: 'traffic',
  spec: z.boolean(),
  description: 'The requests get through.',
  example: '`true`',
  async match(this: MatcherState, received: unknown): Promise<MatcherResult> {
    const traffic = expectTraffic(received, 'toReach');
    return concludeEveryRequest(this, 'toReach', traffic, undefined, 'reached their destination', (request) =>
      isBlocked(request) ? `blocked (${request.status === 0 ? (request.error ?? 'no response') : `status ${request.status}`})` : null,
    );
  },
});
