import { done, notYet, waitFor, WaitTimeoutError } from '../../kube/index.js';
import { ProviderError } from '../../contract/cluster.js';

/**
 * The kube layer's wait (its polling, deadline and retry of transient API errors) for a provider
 * phase: `check` answers null when ready, else what it is still waiting for, which becomes the
 * progress detail and, at the deadline, the ProviderError.
 */
export async function pollUntilReady(
  what: string,
  check: () => Promise<string | null>,
  options: { deadline: number; onPending?: (pending: string) => void },
): Promise<void> {
  const probe = async () => {
    const pending = await check();
    if (pending === null) return done(undefined);
    options.onPending?.(pending);
    return notYet(pending);
  };
  try {
    await waitFor(what, probe, { deadline: options.deadline });
  } catch (error) {
    if (error instanceof WaitTimeoutError) throw new ProviderError(`Timed out waiting for ${what}: ${error.lastWhy}.`);
    throw error;
  }
}
