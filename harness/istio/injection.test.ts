import { describe, expect, it } from 'vitest';
import { injectSidecar, shouldInject, STATUS_ANNOTATION } from './injection.js';

const pod = (labels: Record<string, string> = {}, annotations: Record<string, string> = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web-1', labels: { app: 'web', version: 'v1', ...labels }, annotations },
  spec: { containers: [{ name: 'app', image: 'meshspec/echo' }] },
});

describe('shouldInject follows Istio webhook rules', () => {
  it.each([
    [{ 'istio-injection': 'enabled' }, {}, {}, true],
    [{ 'istio.io/rev': 'default' }, {}, {}, true],
    [{}, {}, {}, false],
    [{ 'istio-injection': 'disabled' }, { 'sidecar.istio.io/inject': 'true' }, {}, false],
    [{}, { 'sidecar.istio.io/inject': 'true' }, {}, true],
    [{ 'istio-injection': 'enabled' }, { 'sidecar.istio.io/inject': 'false' }, {}, false],
    [{ 'istio-injection': 'enabled' }, {}, { 'sidecar.istio.io/inject': 'false' }, false],
    [{}, {}, { 'sidecar.istio.io/inject': 'true' }, false],
    [{ 'istio.io/dataplane-mode': 'ambient' }, {}, {}, false],
  ])('namespace %j, pod labels %j, annotations %j -> %s', (nsLabels, labels, annotations, expected) => {
    expect(shouldInject(nsLabels, pod(labels, annotations))).toBe(expected);
  });
});

describe('injectSidecar', () => {
  it('adds istio-init and a classic istio-proxy container, the status annotation and Istio labels', () => {
    const input = pod();
    const out = injectSidecar(input) as any;
    expect(out.spec.containers.map((c: any) => c.name)).toEqual(['app', 'istio-proxy']);
    expect(out.spec.initContainers.map((c: any) => c.name)).toEqual(['istio-init']);
    expect(JSON.parse(out.metadata.annotations[STATUS_ANNOTATION]).containers).toEqual(['istio-proxy']);
    expect(out.metadata.labels['security.istio.io/tlsMode']).toBe('istio');
    expect(out.metadata.labels['service.istio.io/canonical-name']).toBe('web');
    expect(out.metadata.labels['service.istio.io/canonical-revision']).toBe('v1');
    expect(out.metadata.annotations['kubectl.kubernetes.io/default-container']).toBe('app');
    expect(input.spec).not.toHaveProperty('initContainers');
  });

  it('injects a native sidecar as a restartable init container', () => {
    const out = injectSidecar(pod(), { native: true }) as any;
    expect(out.spec.containers.map((c: any) => c.name)).toEqual(['app']);
    expect(out.spec.initContainers.map((c: any) => [c.name, c.restartPolicy])).toEqual([['istio-init', undefined], ['istio-proxy', 'Always']]);
  });

  it('handles pod templates of workloads and lists, and never injects twice', () => {
    const deployment = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'x' }] } } } };
    const list = { apiVersion: 'v1', kind: 'List', items: [deployment, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' } }] };
    const out = injectSidecar(injectSidecar(list)) as any;
    expect(out.items[0].spec.template.spec.containers.map((c: any) => c.name)).toEqual(['app', 'istio-proxy']);
    expect(out.items[0].spec.template.spec.initContainers).toHaveLength(1);
    expect(out.items[1]).toEqual(list.items[1]);
  });
});
