import { describe, expect, it } from 'vitest';
import { istioInstallArgs, widestProfile } from './install.js';

describe('Istio install', () => {
  it('installs the widest profile the scenarios need', () => {
    expect(widestProfile([])).toBe('default');
    expect(widestProfile(['minimal'])).toBe('minimal');
    expect(widestProfile(['minimal', 'demo', 'default'])).toBe('demo');
  });

  it('passes profile, hub, overlay and context to istioctl (the kubeconfig goes in its KUBECONFIG)', () => {
    expect(istioInstallArgs({ istioctl: 'istioctl', kubeconfig: '/k', context: 'kind-meshspec', profile: 'demo', overlay: '/o.yaml' })).toEqual([
      'install',
      '-y',
      '--set',
      'profile=demo',
      '--set',
      'hub=docker.io/istio',
      '-f',
      '/o.yaml',
      '--context',
      'kind-meshspec',
    ]);
  });
});
