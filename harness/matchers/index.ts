/**
 * meshspec's Vitest matchers. `installMatchers()` registers them with `expect.extend`;
 * importing `meshspec/matchers/register` (harness/matchers/register.ts) does it as a side
 * effect, e.g. from a Vitest `setupFiles` entry.
 */
import { expect } from 'vitest';
import { type MeshspecMatchers, vitestMatchers } from './registry.js';

export type { Policy } from './definition.js';
export { outcomesOf } from './engines.js';
export { buildMessage, type FailureMessage } from './message.js';
export type { MetricSample, MetricSeries } from './metrics/to-be-at-least.js';
export { conventionViolations, type ServiceWithPods } from './services/to-follow-istio-conventions.js';
export type { AbortArgs } from './traffic/to-abort-with.js';
export type { DelayArgs } from './traffic/to-inject-delay.js';
export type { MirrorArgs } from './traffic/to-mirror-to.js';
export type { RespondArgs } from './traffic/to-respond-with.js';
export type { RetryArgs } from './traffic/to-retry.js';
export type { SplitArgs } from './traffic/to-split-traffic.js';
export type { SucceedArgs } from './traffic/to-succeed.js';

let installed = false;

/** Registers the matchers with Vitest's `expect`; calling it again does nothing. */
export function installMatchers(): void {
  if (installed) return;
  expect.extend(vitestMatchers);
  installed = true;
}

/** Traffic matchers are asynchronous (toMirrorTo reads the mirror's logs): always await them. */
declare module 'vitest' {
  // The type parameter must match Vitest's own declaration for the interfaces to merge.
  interface Matchers<T = any> extends MeshspecMatchers {}
}
