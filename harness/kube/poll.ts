/**
 * The one timeout model of every wait: poll a probe at 100, 250, 500, then every 1000 ms
 * (as Playwright's pollAgainstDeadline does) until it is done, the deadline passes, or the
 * step is aborted. A probe says either "done" with a value or "not yet" and why; a field that
 * does not exist yet is "not yet", never an error. A timeout says what was awaited and the
 * last reason it was not done.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describeApiError, isTransient } from './errors.js';

export type ProbeResult<T> = { done: true; value: T } | { done: false; why: string };
type Probe<T> = () => Promise<ProbeResult<T>>;

export interface Deadline {
  /** Epoch ms by which the wait gives up. */
  deadline: number;
  signal?: AbortSignal;
}

const POLL_INTERVALS_MS = [100, 250, 500, 1000] as const;

export class WaitTimeoutError extends Error {
  override name = 'WaitTimeoutError';
  constructor(
    readonly description: string,
    readonly lastWhy: string,
    waitedMs: number,
    hint?: string,
  ) {
    super(`timed out after ${(waitedMs / 1000).toFixed(1)}s waiting for ${description}; last seen: ${lastWhy}${hint ? `. ${hint}` : ''}`);
  }
}

export const done = <T>(value: T): ProbeResult<T> => ({ done: true, value });
export const notYet = (why: string): ProbeResult<never> => ({ done: false, why });

/** `hint`, if given, ends the timeout's message: what to do when the wait needs longer. */
export async function waitFor<T>(description: string, probe: Probe<T>, { deadline, signal }: Deadline, hint?: string): Promise<T> {
  const started = Date.now();
  let why = 'no answer to the first check';
  for (let attempt = 0; ; attempt++) {
    if (signal?.aborted || Date.now() > deadline) break;
    const result = await probeUntil(probe, deadline, signal);
    if (result === undefined) break;
    if (result.done) return result.value;
    why = result.why;
    const remaining = deadline - Date.now();
    if (remaining <= 0) break;
    const interval = POLL_INTERVALS_MS[Math.min(attempt, POLL_INTERVALS_MS.length - 1)];
    await sleep(Math.min(interval, remaining), undefined, { signal }).catch(() => undefined);
  }
  throw new WaitTimeoutError(description, why, Date.now() - started, hint);
}

/**
 * One probe, cut short by the deadline or the signal (undefined then): a request that hangs
 * must not outlive its step. Transient API errors (server or webhook not ready, connection
 * refused) count as "not yet"; any other error ends the wait.
 */
async function probeUntil<T>(probe: Probe<T>, deadline: number, signal?: AbortSignal): Promise<ProbeResult<T> | undefined> {
  const cutoff = new AbortController();
  const stop = () => cutoff.abort();
  signal?.addEventListener('abort', stop, { once: true });
  try {
    return await Promise.race([
      probe().catch((error: unknown) => {
        if (isTransient(error)) return notYet(describeApiError(error));
        throw error;
      }),
      sleep(Math.max(0, deadline - Date.now()), undefined, { signal: cutoff.signal, ref: false }).then(
        () => undefined,
        () => undefined,
      ),
    ]);
  } finally {
    cutoff.abort();
    signal?.removeEventListener('abort', stop);
  }
}
