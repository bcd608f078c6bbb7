import { describe, expect, it } from 'vitest';
import { istioInstallArgs, parseIstioImage, widestProfile } from './istio-install.js';

describe('Istio install', () => {
  it('installs the widest profile the scenarios need', () => {
    expect(widestProfile([])).toBe('default');
    expect(widestProfile(['minimal'])).toBe('minimal');
    expect(widestProfile(['minimal', 'demo', 'default'])).toBe('demo');
  });

  it('passes profile, hub, overlay and context to istioctl (the kubeconfig goes in its KUBECONFIG)', () => {
    expect(istioInstallArgs({ istioctl: 'istioctl', kubeconfig: '/k', context: 'kind-meshspec', profile: 'demo', overlay: '/o.yaml' })).toEqual([
      'install', '-y', '--set', 'profile=demo', '--set', 'hub=docker.io/istio', '-f', '/o.yaml', '--context', 'kind-meshspec',
    ]);
  });

  it('reads hub and release from an istiod image, with a variant, a digest or a registry port', () => {
    expect(parseIstioImage('docker.io/istio/pilot:1.30.5')).toEqual({ hub: 'docker.io/istio', version: '1.30.5' });
    expect(parseIstioImage('registry.istio.io/release/pilot:1.30.5-distroless')).toEqual({ hub: 'registry.istio.io/release', version: '1.30.5' });
    expect(parseIstioImage(`docker.io/istio/pilot:1.31.0-rc.0-debug@sha256:${'ab'.repeat(32)}`)).toEqual({ hub: 'docker.io/istio', version: '1.31.0-rc.0' });
    expect(parseIstioImage('localhost:5000/mirror/istio/pilot:1.29.8')).toEqual({ hub: 'localhost:5000/mirror/istio', version: '1.29.8' });
    expect(parseIstioImage(`docker.io/istio/pilot@sha256:${'ab'.repeat(32)}`)).toEqual({ hub: 'docker.io/istio', version: null });
  });
});
