import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../contract/cluster.js';
import { tryTool } from './tools.js';

describe('tryTool', () => {
  it('stops a tool that hangs, in seconds, and says what to look at', async () => {
    const error = await tryTool(process.execPath, ['-e', 'setTimeout(() => {}, 30_000)'], { timeoutMs: 200 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).message).toMatch(/did not finish within 0\.2 s and was stopped\.$/);
    expect((error as ProviderError).hint).toMatch(/Run it by hand/);
  });
});
