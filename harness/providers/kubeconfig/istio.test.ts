import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { istioOverlayPath } from './istio.js';

describe('the --install-istio overlay', () => {
  const overlay = readFileSync(istioOverlayPath(process.cwd()), 'utf8');
  const spec = (parse(overlay) as { spec: { values: Record<string, any>; components?: unknown } }).spec;

  it("is its own file, not kind's", () => {
    expect(istioOverlayPath('/repo')).toBe(join('/repo', 'clusters', 'istio-overlay-kubeconfig.yaml'));
  });

  it("gives the ingress gateway the chart's LoadBalancer Service and pins no node port", () => {
    expect(spec.values.gateways['istio-ingressgateway']).toEqual({ type: 'LoadBalancer' });
    expect(JSON.stringify(spec)).not.toMatch(/nodePort|NodePort/);
    // A components.ingressGateways list would replace the profile's and enable the gateway even in minimal.
    expect(spec.components).toBeUndefined();
  });

  it("keeps istiod's analysis on, as on kind, for the diagnostics", () => {
    expect(spec.values.global.istiod).toEqual({ enableAnalysis: true });
  });
});
