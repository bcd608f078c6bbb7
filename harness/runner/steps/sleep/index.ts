/** `sleep`: the last resort; a wait on a condition or on the mesh's config is almost always better. */
import { setTimeout as sleep } from 'node:timers/promises';
import { durationMs, type SleepStep } from '../../../spec/index.js';
import type { Operation } from '../../types.js';

export const sleepOperation: Operation<SleepStep> = {
  // A sleep's length is its own business: the default only bounds it like the longest step.
  defaultTimeoutMs: 600_000,
  async exec(step, ctx) {
    await sleep(durationMs(step.sleep), undefined, { signal: ctx.signal });
  },
};
