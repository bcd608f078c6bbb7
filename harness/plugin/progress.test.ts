import { describe, expect, it } from 'vitest';
import { formatElapsed, providerBanner, stderrProgress } from './progress.js';

describe('stderrProgress', () => {
  it('prints one line per finished phase with its elapsed time, and throttled updates', () => {
    const lines: string[] = [];
    let clock = 0;
    const progress = stderrProgress({ write: (line) => lines.push(line), now: () => clock, updateEveryMs: 1_000 });
    const cluster = progress.phase('create cluster');
    clock = 500;
    cluster.update('pulling node image');
    clock = 1_500;
    cluster.update('starting control plane');
    clock = 12_300;
    cluster.done('kind-meshspec');
    const istio = progress.phase('install Istio');
    clock = 12_800;
    istio.fail(new Error('webhook not ready'));
    expect(lines).toEqual([
      '  … create cluster (1.5s): starting control plane',
      '  ✓ create cluster (12.3s): kind-meshspec',
      '  ✗ install Istio (500ms): webhook not ready',
    ]);
  });

  it('formats durations for people', () => {
    expect([formatElapsed(40), formatElapsed(2_340), formatElapsed(125_000)]).toEqual(['40ms', '2.3s', '2m5s']);
  });

  it('carries rounded seconds into the minutes', () => {
    expect(formatElapsed(119_600)).toBe('2m0s');
  });

  it('says that sim is an emulation and how to run real Istio', () => {
    expect(providerBanner('sim')).toMatch(/^meshspec: provider sim, an emulation .*not real Istio.*`pnpm test:e2e` or `meshspec run --provider kind`/);
    expect(providerBanner('kind', '1.29.6')).toBe('meshspec: provider kind with Istio 1.29.6, real Istio on a local kind cluster');
  });
});
