import { ProviderError } from '../types.js';

/**
 * Polls `check` until it answers null (ready) or the deadline passes; `check` answers what it is
 * still waiting for, which becomes the progress detail and, at the deadline, the error.
 */
export async function pollUntilReady(
  what: string,
  check: () => Promise<string | null>,
  options: { deadline: number; intervalMs?: number; onPending?: (pending: string) => void },
): Promise<void> {
  for (;;) {
    const pending = await check();
    if (pending === null) return;
    options.onPending?.(pending);
    if (Date.now() >= options.deadline) {
      throw new ProviderError(`Timed out waiting for ${what}: ${pending}.`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 2000));
  }
}
