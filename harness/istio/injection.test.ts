import { describe, expect, it } from 'vitest';
import { InjectionError, injectorWebhookName, injectSidecar, shouldInject, STATUS_ANNOTATION } from './injection.js';

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

describe('refused injection (pkg/kube/inject/inject.go RunTemplate validates the annotations first)', () => {
  it('throws what the webhook answers: the template error, listed as go-multierror prints it', () => {
    const bad = pod({}, { 'traffic.sidecar.istio.io/excludeInboundPorts': '*', 'traffic.sidecar.istio.io/includeInboundPorts': 'http' });
    expect(() => injectSidecar(bad)).toThrow(InjectionError);
    expect(() => injectSidecar(bad)).toThrow(
      "failed to run injection template: 2 errors occurred:\n" +
        "\t* invalid value '*' for annotation 'traffic.sidecar.istio.io/excludeInboundPorts': excludeInboundPorts invalid: failed parsing port '*': failed parsing port '*': strconv.ParseUint: parsing \"*\": invalid syntax\n" +
        "\t* invalid value 'http' for annotation 'traffic.sidecar.istio.io/includeInboundPorts': includeInboundPorts invalid: failed parsing port 'http': failed parsing port 'http': strconv.ParseUint: parsing \"http\": invalid syntax\n\n",
    );
  });

  it.each([
    [{ 'istio-injection': 'enabled' }, {}, 'namespace.sidecar-injector.istio.io'],
    [{ 'istio.io/rev': 'default' }, {}, 'rev.namespace.sidecar-injector.istio.io'],
    [{}, { 'sidecar.istio.io/inject': 'true' }, 'object.sidecar-injector.istio.io'],
    [{}, { 'istio.io/rev': 'default' }, 'rev.object.sidecar-injector.istio.io'],
  ])('the webhook that takes a pod (mutatingwebhook.yaml): namespace %j, pod labels %j -> %s', (nsLabels, labels, name) => {
    expect(injectorWebhookName(nsLabels, pod(labels))).toBe(name);
  });
});
