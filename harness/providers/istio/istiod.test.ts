import type { V1Deployment } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { hubOf, istiodVersion } from './istiod.js';

describe('the version of the Istio found', () => {
  const DIGEST = 'sha256:0d7fa5f0c9a8b1e2d3c4b5a69788796a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e';
  // istiod's Deployment as Istio's charts render it: container "discovery" with image
  // <hub>/pilot:<tag>[-<variant>], or pilot.image as given when it contains a "/"
  // (istio/istio@1.30.3 manifests/charts/istio-control/istio-discovery/templates/deployment.yaml).
  const istiod = (image: string, labels: Record<string, string> = {}): V1Deployment => ({
    metadata: { name: 'istiod', namespace: 'istio-system', labels: { app: 'istiod', istio: 'pilot', 'istio.io/rev': 'default', ...labels } },
    spec: { selector: {}, template: { spec: { containers: [{ name: 'discovery', image }] } } },
  });

  it('is the image tag, without variant or digest', () => {
    expect(istiodVersion(istiod('docker.io/istio/pilot:1.30.3'))).toEqual({ version: '1.30.3' });
    expect(istiodVersion(istiod('docker.io/istio/pilot:1.30.3-distroless'))).toEqual({ version: '1.30.3' });
    expect(istiodVersion(istiod(`docker.io/istio/pilot:1.30.3@${DIGEST}`))).toEqual({ version: '1.30.3' });
    expect(istiodVersion(istiod(`registry.local:5000/mirror/istio/pilot:1.29.6-distroless@${DIGEST}`))).toEqual({ version: '1.29.6' });
  });

  it("comes from the Deployment's labels when the image is pinned by digest alone, never from the digest", () => {
    // istioctl install labels what it applies with its version (operator/pkg/install/install.go getOwnerLabels);
    // Helm charts carry app.kubernetes.io/version, their appVersion as released (istio.labels).
    expect(istiodVersion(istiod(`docker.io/istio/pilot@${DIGEST}`, { 'operator.istio.io/version': '1.30.3', 'app.kubernetes.io/version': '1.30.3' }))).toEqual({
      version: '1.30.3',
    });
    expect(
      istiodVersion(istiod(`registry.local:5000/istio/pilot@${DIGEST}`, { 'app.kubernetes.io/version': '1.31.0-rc.0', 'helm.sh/chart': 'istiod-1.31.0-rc.0' })),
    ).toEqual({ version: '1.31.0-rc.0' });
  });

  it('is unknown, with the reason and the fix, when neither tells it', () => {
    expect(istiodVersion(istiod(`registry.local:5000/istio/pilot@${DIGEST}`))).toEqual({
      version: 'unknown',
      versionProblem: `Istio's version is unknown: istiod's image "registry.local:5000/istio/pilot@${DIGEST}" has no tag, and its Deployment has no label operator.istio.io/version or app.kubernetes.io/version. To run istioctl steps, give meshspec the istioctl of the installed Istio: --istioctl PATH.`,
    });
  });
});

describe('the hub of an image', () => {
  it('is what comes before the image name, whatever the tag, digest or registry port', () => {
    expect(hubOf('docker.io/istio/pilot:1.30.5')).toBe('docker.io/istio');
    expect(hubOf('registry.istio.io/release/pilot:1.30.5-distroless')).toBe('registry.istio.io/release');
    expect(hubOf(`localhost:5000/mirror/istio/pilot@sha256:${'ab'.repeat(32)}`)).toBe('localhost:5000/mirror/istio');
    expect(hubOf('pilot:1.30.5')).toBe('');
  });
});
