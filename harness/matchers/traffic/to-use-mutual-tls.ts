import type { MatcherState } from 'vitest';
import { z } from 'zod';
import { defineMatcher } from '../definition.js';
import { concludeEveryRequest, expectTraffic, type MatcherResult } from '../engines.js';
import { serverSeenHeaders } from './requests.js';

export const toUseMutualTLS = defineMatcher({
  subject: 'traffic',
  spec: z.boolean(),
  description: 'The server saw mutual TLS (the `X-Forwarded-Client-Cert` header).',
  example: '`true`',
  async match(this: MatcherState, received: unknown): Promise<MatcherResult> {
    const traffic = expectTraffic(received, 'toUseMutualTLS');
    return concludeEveryRequest(this, 'toUseMutualTLS', traffic, undefined, 'arrived over mutual TLS (x-forwarded-client-cert)', (request) => {
      const headers = serverSeenHeaders(request);
      if (!headers) return `no echo body to read the server's headers from (status ${request.status})`;
      return headers['x-forwarded-client-cert'] ? null : 'the server saw no x-forwarded-client-cert header';
    });
  },
});
