import { describe, expect, it } from 'vitest';
import { DEFAULT_ISTIO_VERSION, resolveIstioVersion, SUPPORTED_ISTIO } from './istio-versions.js';

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
    expect(resolveIstioVersion('v1.30.2').version).toBe('1.30.2');
  });

  it('refuses an unsupported version and lists the supported ones', () => {
    expect(() => resolveIstioVersion('1.20.3')).toThrow('Istio 1.20.3 is not supported by meshspec.');
    expect(() => resolveIstioVersion('banana')).toThrow(expect.objectContaining({ hint: expect.stringContaining('1.31.x, 1.30.x, 1.29.x') }));
  });

  it('pins every node image by digest, to a Kubernetes inside its Istio release\'s supported range', () => {
    for (const release of SUPPORTED_ISTIO) {
      const match = /^kindest\/node:v(\d+\.\d+)\.\d+@sha256:[0-9a-f]{64}$/.exec(release.nodeImage);
      expect(match, release.minor).not.toBeNull();
      const minor = (v: string) => Number(v.split('.')[1]);
      expect(minor(match![1])).toBeGreaterThanOrEqual(minor(release.kubernetes[0]));
      expect(minor(match![1])).toBeLessThanOrEqual(minor(release.kubernetes[1]));
    }
  });
});
