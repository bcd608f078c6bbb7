import { describe, expect, it } from 'vitest';
import type { ProgressReporter } from '../../contract/cluster.js';
import { PhaseTimer } from './phase-timer.js';

function recorder() {
  const lines: string[] = [];
  const progress: ProgressReporter = {
    phase: (name) => ({
      done: (detail) => lines.push(`done ${name}${detail ? `: ${detail}` : ''}`),
      fail: (error) => lines.push(`fail ${name}: ${(error as Error).message}`),
      update: (detail) => lines.push(`update ${name}: ${detail}`),
    }),
    info: (message) => lines.push(`info ${message}`),
  };
  return { lines, progress };
}

describe('PhaseTimer', () => {
  it('reports each phase and sums up where the time went, slowest first', async () => {
    const { lines, progress } = recorder();
    const timer = new PhaseTimer(progress);
    await timer.run('fast', async () => 1);
    await timer.run(
      'slow',
      async (phase) => {
        phase.update('half way');
        await new Promise((resolve) => setTimeout(resolve, 30));
        return 'x';
      },
      (result) => `made ${result}`,
    );
    expect(lines).toEqual(['done fast', 'update slow: half way', 'done slow: made x']);
    expect(timer.summary()).toMatch(/^where the time went \(\d+\.\ds\): slow \d+\.\ds \(\d+%\), fast 0\.0s \(\d+%\)$/);
  });

  it('marks a failing phase failed and still counts its time', async () => {
    const { lines, progress } = recorder();
    const timer = new PhaseTimer(progress);
    await expect(
      timer.run('registry', async () => {
        throw new Error('port taken');
      }),
    ).rejects.toThrow('port taken');
    expect(lines).toEqual(['fail registry: port taken']);
    expect(timer.summary()).toContain('registry');
  });
});
