/**
 * The one list of meshspec's matchers. The spec schema's `expect:` blocks, Vitest's matcher
 * table and its types, the traffic step's request planner and the README's matcher tables are
 * all derived from it: adding a matcher is one new module and one line here.
 */
import type { z } from 'zod';
import type { Subject } from './definition.js';
import { toBeAtLeast } from './metrics/to-be-at-least.js';
import { toBeReady } from './pods/to-be-ready.js';
import { toHaveContainers } from './pods/to-have-containers.js';
import { toHaveCount } from './pods/to-have-count.js';
import { toHaveSidecar } from './pods/to-have-sidecar.js';
import { toFollowIstioConventions } from './services/to-follow-istio-conventions.js';
import { toAbortWith } from './traffic/to-abort-with.js';
import { toBeBlocked } from './traffic/to-be-blocked.js';
import { toCarryTrace } from './traffic/to-carry-trace.js';
import { toInjectDelay } from './traffic/to-inject-delay.js';
import { toMirrorTo } from './traffic/to-mirror-to.js';
import { toReach } from './traffic/to-reach.js';
import { toRespondWith } from './traffic/to-respond-with.js';
import { toRetry } from './traffic/to-retry.js';
import { toSplitTraffic } from './traffic/to-split-traffic.js';
import { toSucceed } from './traffic/to-succeed.js';
import { toUseMutualTLS } from './traffic/to-use-mutual-tls.js';

export const MATCHERS = {
  toSplitTraffic,
  toInjectDelay,
  toAbortWith,
  toSucceed,
  toRetry,
  toMirrorTo,
  toRespondWith,
  toBeBlocked,
  toReach,
  toUseMutualTLS,
  toCarryTrace,
  toHaveSidecar,
  toBeReady,
  toHaveContainers,
  toHaveCount,
  toFollowIstioConventions,
  toBeAtLeast,
};

type Matchers = typeof MATCHERS;
export type MatcherName = keyof Matchers;

/** The `expect:` keys of one subject's steps, each optional, with its argument's schema. */
type ExpectShape<S extends Subject> = {
  [K in MatcherName as Matchers[K]['subject'] extends S ? K : never]: z.ZodOptional<Matchers[K]['spec']>;
};

/** What a step's `expect:` block may hold for its subject: the spec language takes it from here. */
export function expectShape<S extends Subject>(subject: S): ExpectShape<S> {
  const entries = Object.entries(MATCHERS).filter(([, matcher]) => matcher.subject === subject);
  return Object.fromEntries(entries.map(([name, matcher]) => [name, matcher.spec.optional().describe(matcher.description)])) as ExpectShape<S>;
}

/** Vitest's matcher table, for `expect.extend`. */
export const vitestMatchers = Object.fromEntries(Object.entries(MATCHERS).map(([name, matcher]) => [name, matcher.match]));

/** A matcher as Vitest's `expect(received)` exposes it: the arguments after `received`; async ones return a promise. */
type Asserted<F> = F extends (this: never, received: unknown, ...args: infer A) => infer R
  ? (...args: A) => R extends Promise<unknown> ? Promise<void> : void
  : never;
export type MeshspecMatchers = { [K in MatcherName]: Asserted<Matchers[K]['match']> };

/** The README's table of one subject's matchers: `| matcher | form | meaning |` rows. */
export function matcherTable(subject: Subject): string {
  const rows = Object.entries(MATCHERS)
    .filter(([, matcher]) => matcher.subject === subject)
    .map(([name, matcher]) => `| \`${name}\` | ${matcher.example} | ${matcher.description} |`);
  return ['| matcher | form | meaning |', '|---|---|---|', ...rows].join('\n');
}
