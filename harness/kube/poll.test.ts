import { ApiException } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { done, notYet, waitFor, WaitTimeoutError } from './poll.js';

const within = (ms: number) => ({ deadline: Date.now() + ms });

describe('waitFor', () => {
  it('polls at 100, 250, 500, then 1000 ms until the probe is done', async () => {
    const times: number[] = [];
    const start = Date.now();
    const value = await waitFor(
      'five probes',
      async () => {
        times.push(Date.now() - start);
        return times.length === 5 ? done('ready') : notYet(`probe ${times.length}`);
      },
      within(5_000),
    );
    expect(value).toBe('ready');
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    // Lower bounds are exact; upper bounds leave room for a busy machine.
    [100, 250, 500, 1000].forEach((expected, i) => {
      expect(gaps[i]).toBeGreaterThanOrEqual(expected - 5);
      expect(gaps[i]).toBeLessThan(expected + 400);
    });
  });

  it('says what it waited for and the last reason on timeout', async () => {
    let calls = 0;
    const error = await waitFor('deployment/x to roll out', async () => notYet(`1 of 2 replicas ready (check ${++calls})`), within(400)).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect((error as Error).message).toMatch(/^timed out after 0\.\ds waiting for deployment\/x to roll out; last seen: 1 of 2 replicas ready \(check \d\)$/);
  });

  it('treats transient API errors as "not yet"', async () => {
    let calls = 0;
    const value = await waitFor(
      'the webhook',
      async () => {
        if (++calls < 3) throw new ApiException(500, 'x', '{"reason":"InternalError","message":"failed calling webhook"}', {});
        return done(calls);
      },
      within(3_000),
    );
    expect(value).toBe(3);
  });

  it('ends at once on other errors', async () => {
    const invalid = new ApiException(422, 'x', '{"message":"bad"}', {});
    await expect(
      waitFor(
        'x',
        async () => {
          throw invalid;
        },
        within(3_000),
      ),
    ).rejects.toBe(invalid);
  });

  it('does not outlive its deadline when a probe hangs', async () => {
    const started = Date.now();
    const error = await waitFor('a hanging probe', () => new Promise(() => {}), within(300)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('stops when the step is aborted', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const started = Date.now();
    const error = await waitFor('forever', async () => notYet('never'), { deadline: Date.now() + 60_000, signal: controller.signal }).catch((e: unknown) => e);
    expect((error as Error).message).toContain('waiting for forever; last seen: never');
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
