import { describe, expect, it } from 'vitest';
import { istioNeeds, resolveRunSettings, SettingsError, type ProvidedOptions } from './options.js';

const provided: ProvidedOptions = {
  rootDir: '/repo',
  profiles: ['demo'],
  addons: ['prometheus'],
  provider: 'kind',
  istioVersion: '1.28.0',
  settings: { context: 'from-plugin' },
};

describe('resolveRunSettings', () => {
  it('uses plugin options over defaults', () => {
    expect(resolveRunSettings({}, provided, 'r1')).toEqual({
      provider: 'kind',
      istioVersion: '1.28.0',
      reuse: false,
      profiles: ['demo'],
      addons: ['prometheus'],
      rootDir: '/repo',
      artifactsDir: '/repo/.meshspec/runs/r1',
      providerSettings: { context: 'from-plugin' },
    });
    expect(resolveRunSettings({}, { rootDir: '/repo', profiles: [], addons: [] }, 'r1').provider).toBe('sim');
  });

  it('lets the environment the CLI sets override plugin options', () => {
    const env = {
      MESHSPEC_PROVIDER: 'kubeconfig',
      MESHSPEC_ISTIO: '1.29.6',
      MESHSPEC_REUSE: '1',
      MESHSPEC_PROFILES: 'default,minimal',
      MESHSPEC_ADDONS: 'kiali,jaeger',
      MESHSPEC_CONTEXT: 'eks',
      MESHSPEC_ALLOW_CONTEXT: 'eks,gke',
      MESHSPEC_ISTIOCTL: '/opt/istio-1.29.6/bin/istioctl',
      MESHSPEC_INGRESS_GATEWAY: 'istio-ingress/istio-ingress',
    };
    expect(resolveRunSettings(env, provided, 'r2')).toMatchObject({
      provider: 'kubeconfig',
      istioVersion: '1.29.6',
      reuse: true,
      profiles: ['default', 'minimal'],
      addons: ['kiali', 'jaeger'],
      providerSettings: { context: 'eks', allowContext: 'eks,gke', istioctl: '/opt/istio-1.29.6/bin/istioctl', ingressGateway: 'istio-ingress/istio-ingress' },
    });
  });

  it('rejects an unknown provider, naming the allowed ones', () => {
    expect(() => resolveRunSettings({ MESHSPEC_PROVIDER: 'minikube' }, provided, 'r3')).toThrow(
      new SettingsError('unknown provider "minikube"; allowed: sim, kind, kubeconfig'),
    );
  });

  it('rejects unknown addons in MESHSPEC_ADDONS, naming the allowed ones', () => {
    expect(() => resolveRunSettings({ MESHSPEC_ADDONS: 'prometheus,zipkin' }, provided, 'r4')).toThrow(
      new SettingsError('MESHSPEC_ADDONS names unknown addons "zipkin"; allowed: prometheus, grafana, kiali, jaeger'),
    );
  });
});

describe('istioNeeds', () => {
  it('collects the profiles asked for and the union of the addons, in a stable order', () => {
    expect(istioNeeds([{ profile: 'minimal', addons: ['jaeger'] }, undefined, { profile: 'default', addons: ['prometheus', 'jaeger'] }])).toEqual({
      profiles: ['default', 'demo', 'minimal'],
      addons: ['prometheus', 'jaeger'],
    });
    expect(istioNeeds([])).toEqual({ profiles: [], addons: [] });
  });

  it('reads unvalidated blocks leniently: an unknown profile is demo, unknown addons are left to validation', () => {
    expect(istioNeeds([{ profile: 'huge', addons: ['zipkin', 'kiali'] }, 'not a mapping', { addons: 'grafana' }])).toEqual({
      profiles: ['demo'],
      addons: ['kiali'],
    });
  });
});
