import { describe, expect, it } from 'vitest';
import { StepTimeoutError, withTimeout } from './timeout.js';

describe('step timeouts', () => {
  it('gives the operation its deadline and a signal, and returns its result', async () => {
    const before = Date.now();
    const result = await withTimeout(
      5_000,
      () => 'late',
      undefined,
      async ({ signal, deadline }) => {
        expect(signal.aborted).toBe(false);
        expect(deadline - before).toBeGreaterThanOrEqual(5_000);
        return 'ok';
      },
    );
    expect(result).toBe('ok');
  });

  it('aborts the signal at the deadline and ends an operation that ignores it', async () => {
    let seen: AbortSignal | undefined;
    const started = Date.now();
    const error = await withTimeout(
      100,
      () => 'step "x" did not finish within 0.1s',
      undefined,
      ({ signal }) => {
        seen = signal;
        return new Promise(() => {});
      },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StepTimeoutError);
    expect((error as Error).message).toBe('step "x" did not finish within 0.1s');
    expect(seen?.aborted).toBe(true);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('lets an operation that honours its deadline fail with its own message first', async () => {
    const error = await withTimeout(
      100,
      () => 'generic',
      undefined,
      async ({ deadline }) => {
        await new Promise((resolve) => setTimeout(resolve, deadline - Date.now()));
        throw new Error('timed out waiting for deployment/x');
      },
    ).catch((e: unknown) => e);
    expect((error as Error).message).toBe('timed out waiting for deployment/x');
  });

  it('passes on an abort from Vitest (the test was cancelled)', async () => {
    const outer = new AbortController();
    let seen: AbortSignal | undefined;
    const run = withTimeout(
      10_000,
      () => 'late',
      outer.signal,
      async ({ signal }) => {
        seen = signal;
        await new Promise((resolve) => signal.addEventListener('abort', resolve));
        return 'stopped';
      },
    );
    outer.abort(new Error('cancelled'));
    expect(await run).toBe('stopped');
    expect(seen?.aborted).toBe(true);
  });

  it('starts the step already aborted when the run was cancelled before it began', async () => {
    const outer = new AbortController();
    outer.abort(new Error('cancelled'));
    const seen = await withTimeout(
      10_000,
      () => 'late',
      outer.signal,
      async ({ signal }) => signal.aborted,
    );
    expect(seen).toBe(true);
  });
});
