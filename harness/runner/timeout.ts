/**
 * Each step runs with its own timeout: an AbortSignal that fires at the deadline (operations
 * pass it down to requests, polls and child processes) and a race, so that an operation that
 * ignores the signal still ends the step on time.
 */
export class StepTimeoutError extends Error {
  override name = 'StepTimeoutError';
}

/**
 * Operations see the deadline; the step's own timer fires this much later, so that an
 * operation that honours its deadline fails with its own message ("timed out waiting for
 * deployment/x: 1 of 2 replicas ready") rather than the generic one.
 */
const GRACE_MS = 1_000;

export interface StepClock {
  signal: AbortSignal;
  /** Epoch ms. */
  deadline: number;
}

export async function withTimeout<T>(
  timeoutMs: number,
  describeTimeout: () => string,
  outer: AbortSignal | undefined,
  run: (clock: StepClock) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  const deadline = Date.now() + timeoutMs;
  let expire!: (error: Error) => void;
  const expired = new Promise<never>((_, reject) => (expire = reject));
  const timer = setTimeout(() => {
    const error = new StepTimeoutError(describeTimeout());
    controller.abort(error);
    expire(error);
  }, timeoutMs + GRACE_MS);
  const cancel = () => controller.abort(outer?.reason);
  // An abort that came before the step started (a cancelled run) would never fire the listener.
  if (outer?.aborted) cancel();
  else outer?.addEventListener('abort', cancel, { once: true });
  try {
    return await Promise.race([run({ signal: controller.signal, deadline }), expired]);
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener('abort', cancel);
  }
}
