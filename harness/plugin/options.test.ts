import { describe, expect, it } from 'vitest';
import { resolveRunSettings, SettingsError, type ProvidedOptions } from './options.js';

const provided: ProvidedOptions = { rootDir: '/repo', profiles: ['demo'], provider: 'kind', istioVersion: '1.28.0', settings: { context: 'from-plugin' } };

describe('resolveRunSettings', () => {
  it('uses plugin options over defaults', () => {
    expect(resolveRunSettings({}, provided, 'r1')).toEqual({
      provider: 'kind',
      istioVersion: '1.28.0',
      reuse: false,
      profiles: ['demo'],
      rootDir: '/repo',
      artifactsDir: '/repo/.meshspec/runs/r1',
      providerSettings: { context: 'from-plugin' },
    });
    expect(resolveRunSettings({}, { rootDir: '/repo', profiles: [] }, 'r1').provider).toBe('sim');
  });

  it('lets the environment the CLI sets override plugin options', () => {
    const env = {
      MESHSPEC_PROVIDER: 'kubeconfig',
      MESHSPEC_ISTIO: '1.29.6',
      MESHSPEC_REUSE: '1',
      MESHSPEC_PROFILES: 'default,minimal',
      MESHSPEC_CONTEXT: 'eks',
      MESHSPEC_ALLOW_CONTEXT: 'eks,gke',
    };
    expect(resolveRunSettings(env, provided, 'r2')).toMatchObject({
      provider: 'kubeconfig',
      istioVersion: '1.29.6',
      reuse: true,
      profiles: ['default', 'minimal'],
      providerSettings: { context: 'eks', allowContext: 'eks,gke' },
    });
  });

  it('rejects an unknown provider, naming the allowed ones', () => {
    expect(() => resolveRunSettings({ MESHSPEC_PROVIDER: 'minikube' }, provided, 'r3')).toThrow(
      new SettingsError('unknown provider "minikube"; allowed: sim, kind, kubeconfig'),
    );
  });
});
