import { describe, expect, it } from 'vitest';
import { DEFAULT_ISTIO_VERSION, endOfLifeNotice, nodeImageKubernetes, resolveIstioVersion, SUPPORTED_ISTIO, supportsKubernetes } from './versions.js';

describe('Istio versions', () => {
  it('defaults to the newest supported release', () => {
    expect(DEFAULT_ISTIO_VERSION).toBe(SUPPORTED_ISTIO[0].latestPatch);
    expect(resolveIstioVersion(undefined).version).toBe(DEFAULT_ISTIO_VERSION);
  });

  it('keeps an exact patch and picks the node image of its minor', () => {
    const resolved = resolveIstioVersion('1.29.6');
    expect(resolved.version).toBe('1.29.6');
    expect(resolved.release.nodeImage).toMatch(/^kindest\/node:v1\.35\.\d+@sha256:[0-9a-f]{64}$/);
  });

  it('turns a bare minor into its newest known patch', () => {
    expect(resolveIstioVersion('1.30').version).toBe('1.30.5');
    expect(resolveIstioVersion('1.31').version).toBe('1.31.1');
    expect(resolveIstioVersion('1.29').version).toBe('1.29.8');
    expect(resolveIstioVersion('v1.30.2').version).toBe('1.30.2');
  });

  it('refuses an unsupported version and lists the supported ones', () => {
    expect(() => resolveIstioVersion('1.20.3')).toThrow('Istio 1.20.3 is not supported by meshspec.');
    expect(() => resolveIstioVersion('banana')).toThrow(expect.objectContaining({ hint: expect.stringContaining('1.31.x, 1.30.x, 1.29.x') }));
  });

  it("pins every node image by digest, to a Kubernetes inside its Istio release's supported range", () => {
    for (const release of SUPPORTED_ISTIO) {
      const match = /^kindest\/node:v(\d+\.\d+)\.\d+@sha256:[0-9a-f]{64}$/.exec(release.nodeImage);
      expect(match, release.minor).not.toBeNull();
      const minor = (v: string) => Number(v.split('.')[1]);
      expect(minor(match![1])).toBeGreaterThanOrEqual(minor(release.kubernetes[0]));
      expect(minor(match![1])).toBeLessThanOrEqual(minor(release.kubernetes[1]));
    }
  });

  it("tells the Kubernetes version each node image runs, inside its Istio release's range", () => {
    expect(nodeImageKubernetes(resolveIstioVersion('1.30').release.nodeImage)).toBe('v1.36.4');
    expect(nodeImageKubernetes(resolveIstioVersion('1.29').release.nodeImage)).toBe('v1.35.8');
    for (const release of SUPPORTED_ISTIO) expect(supportsKubernetes(release, nodeImageKubernetes(release.nodeImage)), release.minor).toBe(true);
  });

  it("checks a cluster's Kubernetes against the release's range by minor, whatever the patch or vendor suffix", () => {
    const istio129 = resolveIstioVersion('1.29').release;
    expect(['v1.31.0', 'v1.35.12', 'v1.33.4-eks-1', '1.34'].filter((v) => supportsKubernetes(istio129, v))).toHaveLength(4);
    expect(['v1.30.9', 'v1.36.4', 'v2.31.0', 'banana'].filter((v) => supportsKubernetes(istio129, v))).toEqual([]);
  });

  it('marks 1.29 as past its end of life from 2026-10-12 on, and says what to move to', () => {
    const istio129 = resolveIstioVersion('1.29').release;
    expect(endOfLifeNotice(istio129, new Date('2026-10-11T23:00:00Z'))).toBeNull();
    expect(endOfLifeNotice(istio129, new Date('2026-10-12T00:00:00Z'))).toBe(
      'Istio 1.29 reached end of life on 2026-10-12: Istio publishes no more fixes for it, security fixes included. meshspec still runs it; move to 1.31 (--istio 1.31.1) when you can.',
    );
    expect(endOfLifeNotice(resolveIstioVersion('1.31').release, new Date('2030-01-01'))).toBeNull();
  });
});
