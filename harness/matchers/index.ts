/**
 * meshspec's Vitest matchers. `installMatchers()` registers them with `expect.extend`;
 * importing `meshspec/matchers/register` (harness/matchers/register.ts) does it as a side
 * effect, e.g. from a Vitest `setupFiles` entry.
 */
import { expect } from 'vitest';
import { toBeAtLeast } from './metrics.js';
import { toBeReady, toHaveContainers, toHaveCount, toHaveSidecar } from './pods.js';
import { toFollowIstioConventions } from './services.js';
import {
  toAbortWith,
  toBeBlocked,
  toInjectDelay,
  toMirrorTo,
  toReach,
  toRespondWith,
  toRetry,
  toSplitTraffic,
  toSucceed,
  toUseMutualTLS,
  type AbortArgs,
  type DelayArgs,
  type MirrorArgs,
  type Policy,
  type RespondArgs,
  type RetryArgs,
  type SplitArgs,
  type SucceedArgs,
} from './traffic.js';

export { outcomesOf } from './engines.js';
export { buildMessage, type FailureMessage } from './message.js';
export type { MetricSample, MetricSeries } from './metrics.js';
export { conventionViolations, type ServiceWithPods } from './services.js';
export type { AbortArgs, DelayArgs, MirrorArgs, Policy, RespondArgs, RetryArgs, SplitArgs, SucceedArgs };

export const meshspecMatchers = {
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
  toHaveSidecar,
  toBeReady,
  toHaveContainers,
  toHaveCount,
  toFollowIstioConventions,
  toBeAtLeast,
};

let installed = false;

/** Registers the matchers with Vitest's `expect`; calling it again does nothing. */
export function installMatchers(): void {
  if (installed) return;
  expect.extend(meshspecMatchers);
  installed = true;
}

/** Traffic matchers are asynchronous (toMirrorTo reads the mirror's logs): always await them. */
declare module 'vitest' {
  // The type parameter must match Vitest's own declaration for the interfaces to merge.
  interface Matchers<T = any> {
    /** Responses split by `by` (version, pod, status, or a field path such as body.upstream.version) as `split` percentages. */
    toSplitTraffic(expected: SplitArgs, policy?: Policy): Promise<void>;
    /** `share` percent of requests took at least `delay`. */
    toInjectDelay(expected: DelayArgs, policy?: Policy): Promise<void>;
    /** `share` percent of requests answered with `status`. */
    toAbortWith(expected: AbortArgs, policy?: Policy): Promise<void>;
    /** The success (2xx) rate is at least `atLeast` percent (default 100); one-sided. */
    toSucceed(expected?: SucceedArgs, policy?: Policy): Promise<void>;
    /** The server saw retries (x-envoy-attempt-count), never more than `maxAttempts`. */
    toRetry(expected?: RetryArgs): Promise<void>;
    /** Copies of `share` percent of the requests reached the `mirror` pods; answers came from `answeredBy`. Await it. */
    toMirrorTo(expected: MirrorArgs, policy?: Policy): Promise<void>;
    /** Every response has the status, carries the body subset and the header substrings. */
    toRespondWith(expected: RespondArgs): Promise<void>;
    /** Every request was refused (502, 503) or got no response. */
    toBeBlocked(): Promise<void>;
    /** No request was refused (502, 503) or left without a response. */
    toReach(): Promise<void>;
    /** Every answering server saw an x-forwarded-client-cert header. */
    toUseMutualTLS(): Promise<void>;
    /** Every pod runs an istio-proxy sidecar (classic or native); `.not`: none does. */
    toHaveSidecar(): void;
    /** Every pod is ready; `.not`: none is. */
    toBeReady(): void;
    /** Every pod runs this many containers, as READY counts them (native sidecars included). */
    toHaveContainers(expected: number): void;
    /** Exactly this many pods. */
    toHaveCount(expected: number): void;
    /** Ports named by protocol (or with appProtocol), `app` and `version` labels on the selected pods. */
    toFollowIstioConventions(): void;
    /** The metric's summed value is at least `expected`. */
    toBeAtLeast(expected: number): void;
  }
}
