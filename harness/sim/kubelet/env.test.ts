import { describe, expect, it } from 'vitest';
import { containerEnv, expand, podHostname } from './env.js';
import { imageRepository, imageRole } from './images.js';
import { LogBuffer } from './logs.js';

describe('images', () => {
  it.each([
    ['localhost:5001/meshspec/echo:dev', 'meshspec/echo', 'echo'],
    ['meshspec/echo', 'meshspec/echo', 'echo'],
    ['ghcr.io/acme/meshspec/echo@sha256:abc', 'acme/meshspec/echo', 'echo'],
    ['docker.io/istio/proxyv2:1.29.0', 'istio/proxyv2', 'gateway'],
    ['gcr.io/istio-release/pilot:1.29.0', 'istio-release/pilot', 'pilot'],
    ['nginx:1.27', 'nginx', 'other'],
  ])('%s is %s (%s)', (image, repository, role) => {
    expect(imageRepository(image)).toBe(repository);
    expect(imageRole(image)).toBe(role);
  });
});

describe('container env', () => {
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'ns', labels: { app: 'web' } },
    spec: { nodeName: 'n' },
    status: { podIP: '10.244.0.9' },
  };
  const sources = { configMap: () => ({ A: 'from-cm', B: 'b' }), secret: () => ({ token: 's3cret' }) };

  it('resolves fieldRef, config maps, secrets and $(VAR) references in order', () => {
    const env = containerEnv(
      pod,
      {
        envFrom: [{ configMapRef: { name: 'cm' }, prefix: 'CM_' }],
        env: [
          { name: 'NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
          { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
          { name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
          { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 's', key: 'token' } } },
          { name: 'URL', value: 'http://$(IP):8080/$(MISSING)/$$' },
        ],
      },
      sources,
    );
    expect(env).toEqual({ CM_A: 'from-cm', CM_B: 'b', NAME: 'p', APP: 'web', IP: '10.244.0.9', TOKEN: 's3cret', URL: 'http://10.244.0.9:8080/$(MISSING)/$' });
    expect(expand('--version=$(V)', { V: 'v2' })).toBe('--version=v2');
  });

  it('resolves every downward API field as the kubelet does (kubelet_pods.go podFieldSelectorRuntimeValue, fieldpath.FormatMap)', () => {
    const dual = {
      ...pod,
      metadata: { ...pod.metadata, uid: 'u-1', labels: { version: 'v1', app: 'web' }, annotations: { team: 'mesh' } },
      spec: { nodeName: 'n', serviceAccountName: 'sa' },
      status: { podIP: '10.244.0.9', podIPs: [{ ip: '10.244.0.9' }, { ip: 'fd00::9' }], hostIP: '127.0.0.1', hostIPs: [{ ip: '127.0.0.1' }] },
    };
    const paths = [
      'metadata.name',
      'metadata.namespace',
      'metadata.uid',
      'metadata.labels',
      'metadata.annotations',
      "metadata.annotations['team']",
      'spec.nodeName',
      'spec.serviceAccountName',
      'status.podIP',
      'status.podIPs',
      'status.hostIP',
      'status.hostIPs',
    ];
    const env = containerEnv(dual, { env: paths.map((fieldPath, i) => ({ name: `F${i}`, valueFrom: { fieldRef: { fieldPath } } })) }, sources);
    expect(Object.values(env)).toEqual([
      'p',
      'ns',
      'u-1',
      'app="web"\nversion="v1"',
      'team="mesh"',
      'mesh',
      'n',
      'sa',
      '10.244.0.9',
      '10.244.0.9,fd00::9',
      '127.0.0.1',
      '127.0.0.1',
    ]);
  });

  it('gives nothing the manifest does not ask for: no POD_NAME or POD_NAMESPACE of its own', () => {
    expect(containerEnv(pod, { env: [{ name: 'VERSION', value: 'v1' }] }, sources)).toEqual({ VERSION: 'v1' });
  });

  it("names the pod's host spec.hostname or the pod, cut to 63 characters without a trailing '-' (truncatePodHostnameIfNeeded)", () => {
    expect(podHostname(pod)).toBe('p');
    expect(podHostname({ ...pod, spec: { hostname: 'db-0' } })).toBe('db-0');
    const long = `${'a'.repeat(62)}-b`;
    expect(podHostname({ ...pod, metadata: { ...pod.metadata, name: long } })).toBe('a'.repeat(62));
  });
});

describe('log buffer', () => {
  it('answers tailLines and tells followers about new output', () => {
    const logs = new LogBuffer();
    const followed: string[] = [];
    let ended = 0;
    const stop = logs.follow(
      (chunk) => followed.push(chunk),
      () => ended++,
    );
    logs.append('one\ntwo\n');
    logs.append('three\n');
    stop();
    logs.append('four\n');
    expect(logs.read(2)).toBe('three\nfour\n');
    expect(logs.read(0)).toBe('');
    expect(logs.read()).toBe('one\ntwo\nthree\nfour\n');
    expect(followed).toEqual(['one\ntwo\n', 'three\n']);
    logs.follow(
      () => undefined,
      () => ended++,
    );
    logs.close();
    expect(ended).toBe(1);
  });
});
