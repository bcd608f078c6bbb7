import type { MatcherState } from 'vitest';
import { z } from 'zod';
import { defineMatcher } from '../definition.js';
import { concludeEveryRequest, expectTraffic, type MatcherResult } from '../engines.js';

const spec = z.strictObject({
  status: z.number().int().optional(),
  body: z.record(z.string(), z.unknown()).optional().describe('Subset of the JSON body every response must contain.'),
  headers: z.record(z.string(), z.string()).optional().describe('Headers every response must carry (value substring match).'),
});
export type RespondArgs = z.input<typeof spec>;

export const toRespondWith = defineMatcher({
  subject: 'traffic',
  spec,
  description: 'Every response has this status, these body fields, and header values containing these strings.',
  example: '`{ status: 200, body: { version: v1 }, headers: { server: envoy } }`',
  async match(this: MatcherState, received: unknown, expected: RespondArgs): Promise<MatcherResult> {
    const traffic = expectTraffic(received, 'toRespondWith');
    const subset = [...this.customTesters, this.utils.subsetEquality];
    return concludeEveryRequest(this, 'toRespondWith', traffic, expected, 'responded as expected', (request) => {
      const reasons: string[] = [];
      if (expected.status !== undefined && request.status !== expected.status) reasons.push(`status ${request.status}, expected ${expected.status}`);
      if (expected.body !== undefined && !this.equals(request.body, expected.body, subset)) {
        reasons.push(`body ${truncate(JSON.stringify(request.body) ?? 'empty')} lacks ${JSON.stringify(expected.body)}`);
      }
      for (const [name, value] of Object.entries(expected.headers ?? {})) {
        const actual = request.headers[name.toLowerCase()];
        if (actual === undefined || !actual.includes(value)) {
          reasons.push(`header ${name}: ${actual === undefined ? 'missing' : JSON.stringify(actual)}, expected to contain ${JSON.stringify(value)}`);
        }
      }
      return reasons.length ? reasons.join('; ') : null;
    });
  },
});

function truncate(text: string, max = 120): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
