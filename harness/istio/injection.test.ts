/**
 * Injection as istio/istio@1.30.3 decides and performs it (the same at 1.29.6 and 1.31.0-rc.0):
 * manifests/charts/istio-control/istio-discovery/templates/mutatingwebhook.yaml (which pods the
 * webhooks see), pkg/kube/inject/inject.go injectRequired and IntoObject (kube-inject),
 * webhook.go DetectNativeSidecar, reorderPod and getInjectionStatus, files/injection-template.yaml.
 */
import { describe, expect, it } from 'vitest';
import {
  detectNativeSidecar,
  InjectionError,
  injectorWebhookName,
  injectSidecar,
  kubeInject,
  nativeSidecarMode,
  proxyImage,
  shouldInject,
  STATUS_ANNOTATION,
} from './injection.js';

const pod = (labels: Record<string, string> = {}, annotations: Record<string, string> = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web-1', labels: { app: 'web', version: 'v1', ...labels }, annotations },
  spec: { containers: [{ name: 'app', image: 'meshspec/echo' }] },
});
const classic = { native: false, proxyImage: proxyImage('1.31.0') };
const native = { native: true, proxyImage: proxyImage('1.31.0') };
const names = (containers: { name: string }[] | undefined) => (containers ?? []).map((c) => c.name);

describe("shouldInject: the default revision's four webhooks, then injectRequired", () => {
  it.each([
    [{ 'istio-injection': 'enabled' }, {}, {}, true],
    [{ 'istio.io/rev': 'default' }, {}, {}, true],
    // Only the installed revision has a webhook.
    [{ 'istio.io/rev': 'canary' }, {}, {}, false],
    [{}, {}, {}, false],
    [{ 'istio-injection': 'disabled' }, { 'sidecar.istio.io/inject': 'true' }, {}, false],
    [{}, { 'sidecar.istio.io/inject': 'true' }, {}, true],
    // rev.object.: a pod that names the revision, in a namespace that has not opted in.
    [{}, { 'istio.io/rev': 'default' }, {}, true],
    [{}, { 'istio.io/rev': 'canary' }, {}, false],
    [{ 'istio-injection': 'enabled' }, { 'sidecar.istio.io/inject': 'false' }, {}, false],
    [{ 'istio-injection': 'enabled' }, {}, { 'sidecar.istio.io/inject': 'false' }, false],
    // The label is the new API; if both are present Istio prefers the label.
    [{ 'istio-injection': 'enabled' }, { 'sidecar.istio.io/inject': 'true' }, { 'sidecar.istio.io/inject': 'false' }, true],
    // Object selectors match labels: an annotation alone never reaches the webhook.
    [{}, {}, { 'sidecar.istio.io/inject': 'true' }, false],
    [{ 'istio.io/dataplane-mode': 'ambient' }, {}, {}, false],
  ])('namespace %j, pod labels %j, annotations %j -> %s', (labels, podLabels, annotations, expected) => {
    expect(shouldInject({ name: 'shop', labels }, pod(podLabels, annotations))).toBe(expected);
  });

  it('never injects in the namespaces of initializer.go IgnoredNamespaces, nor with hostNetwork', () => {
    for (const name of ['kube-system', 'kube-public', 'kube-node-lease', 'local-path-storage'])
      expect(shouldInject({ name, labels: { 'istio-injection': 'enabled' } }, pod()), name).toBe(false);
    expect(shouldInject({ name: 'shop', labels: { 'istio-injection': 'enabled' } }, { ...pod(), spec: { hostNetwork: true, containers: [] } })).toBe(false);
  });
});

describe('native sidecars: ENABLE_NATIVE_SIDECARS (pilot/pkg/features/pilot.go) and DetectNativeSidecar', () => {
  const node = (name: string, kubeletVersion: string) => ({ metadata: { name }, status: { nodeInfo: { kubeletVersion } } });
  const istiod = (env?: { name: string; value: string }[]) => ({
    spec: { template: { spec: { containers: [{ name: 'discovery', ...(env ? { env } : {}) }] } } },
  });

  it("reads the mode from istiod's discovery container: auto when unset, an unknown value disables", () => {
    expect(nativeSidecarMode(istiod())).toBe('auto');
    expect(nativeSidecarMode(undefined)).toBe('auto');
    expect(nativeSidecarMode(istiod([{ name: 'ENABLE_NATIVE_SIDECARS', value: 'true' }]))).toBe('true');
    expect(nativeSidecarMode(istiod([{ name: 'ENABLE_NATIVE_SIDECARS', value: 'yes' }]))).toBe('false');
  });

  it("under auto, turns native on when every node (or the pod's own) runs a kubelet >= 1.33", () => {
    expect(detectNativeSidecar('auto', [node('a', 'v1.36.4'), node('b', 'v1.33.0')])).toBe(true);
    expect(detectNativeSidecar('auto', [node('a', 'v1.36.4'), node('b', 'v1.32.9')])).toBe(false);
    expect(detectNativeSidecar('auto', [node('a', 'v1.36.4'), node('b', 'v1.32.9')], 'a')).toBe(true);
    expect(detectNativeSidecar('auto', [node('a', 'v1.36.0-meshspec-sim')])).toBe(true);
    expect(detectNativeSidecar('auto', [node('a', 'not a version')])).toBe(false);
    expect(detectNativeSidecar('false', [node('a', 'v1.36.4')])).toBe(false);
    expect(detectNativeSidecar('true', [node('a', 'v1.30.0')])).toBe(true);
  });
});

describe('injectSidecar', () => {
  it('adds istio-init and a classic istio-proxy container, the status annotation and Istio labels', () => {
    const input = pod();
    const out = injectSidecar(input, classic) as any;
    expect(names(out.spec.containers)).toEqual(['app', 'istio-proxy']);
    expect(names(out.spec.initContainers)).toEqual(['istio-init']);
    expect(out.spec.containers[1].image).toBe('docker.io/istio/proxyv2:1.31.0');
    expect(out.metadata.labels['security.istio.io/tlsMode']).toBe('istio');
    expect(out.metadata.labels['service.istio.io/canonical-name']).toBe('web');
    expect(out.metadata.labels['service.istio.io/canonical-revision']).toBe('v1');
    expect(out.metadata.annotations['kubectl.kubernetes.io/default-container']).toBe('app');
    expect(input.spec).not.toHaveProperty('initContainers');
  });

  it('lists in the status annotation exactly what it injected, nil lists as null (getInjectionStatus)', () => {
    const status = (options: typeof classic) => JSON.parse((injectSidecar(pod(), options) as any).metadata.annotations[STATUS_ANNOTATION]);
    expect(status(classic)).toEqual({
      initContainers: ['istio-init'],
      containers: ['istio-proxy'],
      volumes: null,
      imagePullSecrets: null,
      revision: 'default',
    });
    expect(status(native)).toEqual({
      initContainers: ['istio-init', 'istio-proxy'],
      containers: null,
      volumes: null,
      imagePullSecrets: null,
      revision: 'default',
    });
  });

  it('orders init containers as reorderPod does: native puts istio-init and istio-proxy first, classic runs istio-init last', () => {
    const withInit = { ...pod(), spec: { initContainers: [{ name: 'migrate', image: 'x' }], containers: [{ name: 'app', image: 'x' }] } };
    const nativeOut = injectSidecar(withInit, native) as any;
    expect(nativeOut.spec.initContainers.map((c: any) => [c.name, c.restartPolicy])).toEqual([
      ['istio-init', undefined],
      ['istio-proxy', 'Always'],
      ['migrate', undefined],
    ]);
    expect(names(nativeOut.spec.containers)).toEqual(['app']);
    expect(names((injectSidecar(withInit, classic) as any).spec.initContainers)).toEqual(['migrate', 'istio-init']);
  });

  it('lets the pod\'s sidecar.istio.io/nativeSidecar annotation override istiod: anything but "false" is native', () => {
    expect(names((injectSidecar(pod({}, { 'sidecar.istio.io/nativeSidecar': 'false' }), native) as any).spec.containers)).toEqual(['app', 'istio-proxy']);
    expect(names((injectSidecar(pod({}, { 'sidecar.istio.io/nativeSidecar': 'true' }), classic) as any).spec.containers)).toEqual(['app']);
    expect(names((injectSidecar(pod({}, { 'sidecar.istio.io/nativeSidecar': '' }), classic) as any).spec.containers)).toEqual(['app', 'istio-proxy']);
  });

  it("falls back to the Deployment's name for the canonical name (GetDeployMetaFromPod), and always writes the installed revision", () => {
    const replicaSetPod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'reviews-v1-5d8f9c-x2k4q',
        generateName: 'reviews-v1-5d8f9c-',
        labels: { 'pod-template-hash': '5d8f9c' },
        annotations: { 'istio.io/rev': 'canary' },
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'reviews-v1-5d8f9c', controller: true }],
      },
      spec: { containers: [{ name: 'app', image: 'x' }] },
    };
    const out = injectSidecar(replicaSetPod, classic) as any;
    expect(out.metadata.labels['service.istio.io/canonical-name']).toBe('reviews-v1');
    expect(out.metadata.annotations['istio.io/rev']).toBe('default');
    const cronJobPod = {
      ...replicaSetPod,
      metadata: {
        ...replicaSetPod.metadata,
        generateName: 'backup-29123456-',
        labels: {},
        ownerReferences: [{ kind: 'Job', name: 'backup-29123456', controller: true }],
      },
    };
    expect((injectSidecar(cronJobPod, classic) as any).metadata.labels['service.istio.io/canonical-name']).toBe('backup');
  });

  it('handles pod templates of workloads and lists, and never injects twice', () => {
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: { template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'x' }] } } },
    };
    const list = { apiVersion: 'v1', kind: 'List', items: [deployment, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' } }] };
    const out = injectSidecar(injectSidecar(list, classic), classic) as any;
    expect(names(out.items[0].spec.template.spec.containers)).toEqual(['app', 'istio-proxy']);
    expect(out.items[0].spec.template.spec.initContainers).toHaveLength(1);
    expect(out.items[1]).toEqual(list.items[1]);
  });
});

describe('kubeInject: istioctl kube-inject through the webhook (inject.go IntoObject)', () => {
  const deployment = (name: string, template: Record<string, unknown>, namespace?: string) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, ...(namespace ? { namespace } : {}) },
    spec: { template: { ...template, spec: { containers: [{ name: 'app', image: 'x' }], ...(template.spec as object) } } },
  });

  it('skips hostNetwork and sidecar.istio.io/inject "false" templates with kube-inject\'s warnings, whatever the namespace labels', () => {
    const manifest = {
      apiVersion: 'v1',
      kind: 'List',
      items: [
        deployment('host', { spec: { hostNetwork: true } }, 'shop'),
        deployment('off', { metadata: { annotations: { 'sidecar.istio.io/inject': 'false' } } }),
        deployment('on', { metadata: { labels: { app: 'on' } } }),
      ],
    };
    const { object, warnings } = kubeInject(manifest, native) as any;
    expect(warnings).toEqual([
      '===> Skipping injection because Deployment "shop/host" has host networking enabled',
      '===> Skipping injection because Deployment "off" has sidecar injection disabled',
    ]);
    expect(object.items.map((d: any) => names(d.spec.template.spec.initContainers))).toEqual([[], [], ['istio-init', 'istio-proxy']]);
  });

  it('names a template without app labels after the template itself, which the webhook sees unnamed', () => {
    const { object } = kubeInject(deployment('web', {}), classic) as any;
    expect(object.spec.template.metadata.labels['service.istio.io/canonical-name']).toBe('');
  });
});

describe('refused injection (pkg/kube/inject/inject.go RunTemplate validates the annotations first)', () => {
  it('throws what the webhook answers: the template error, listed as go-multierror prints it', () => {
    const bad = pod({}, { 'traffic.sidecar.istio.io/excludeInboundPorts': '*', 'traffic.sidecar.istio.io/includeInboundPorts': 'http' });
    expect(() => injectSidecar(bad, classic)).toThrow(InjectionError);
    expect(() => injectSidecar(bad, classic)).toThrow(
      'failed to run injection template: 2 errors occurred:\n' +
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
