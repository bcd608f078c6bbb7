import type { V1Pod } from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { installMatchers } from './index.js';

beforeAll(installMatchers);

function pod(name: string, shape: { sidecar?: 'classic' | 'native'; ready?: boolean } = {}): V1Pod {
  const proxy = { name: 'istio-proxy', image: 'istio/proxyv2' };
  return {
    metadata: { name, namespace: 'ns', labels: { app: 'backend', version: 'v1' } },
    spec: {
      containers: [{ name: 'app', image: 'meshspec/echo' }, ...(shape.sidecar === 'classic' ? [proxy] : [])],
      initContainers: shape.sidecar === 'native' ? [{ ...proxy, restartPolicy: 'Always' }] : [],
    },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: shape.ready === false ? 'False' : 'True' }] },
  };
}

function failureOf(assertion: () => void): string {
  try {
    assertion();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('the assertion passed but was expected to fail');
}

describe('toHaveSidecar', () => {
  it('accepts classic and native sidecars', () => {
    expect([pod('a', { sidecar: 'classic' }), pod('b', { sidecar: 'native' })]).toHaveSidecar();
  });

  it('does not count a native-style init container that exits', () => {
    const exiting = pod('c');
    exiting.spec!.initContainers = [{ name: 'istio-proxy', image: 'istio/proxyv2' }];
    expect(() => expect([exiting]).toHaveSidecar()).toThrow(/0 of 1 pods have an istio-proxy sidecar/);
  });

  it('lists each pod with its containers when one lacks the sidecar', () => {
    const message = failureOf(() => expect([pod('with', { sidecar: 'native' }), pod('without')]).toHaveSidecar());
    expect(message).toContain('expect(pods).toHaveSidecar()');
    expect(message).toContain('Result: 1 of 2 pods have an istio-proxy sidecar');
    expect(message).toContain('✓ with: containers [app], init [istio-proxy (native sidecar)], Running, ready');
    expect(message).toContain('✗ without: containers [app], Running, ready');
  });

  it('.not means no pod has a sidecar (opted-out pods)', () => {
    expect([pod('a'), pod('b')]).not.toHaveSidecar();
    expect(failureOf(() => expect([pod('a'), pod('b', { sidecar: 'classic' })]).not.toHaveSidecar())).toContain('expect(pods).not.toHaveSidecar()');
  });

  it('fails on an empty selection either way', () => {
    expect(failureOf(() => expect([]).toHaveSidecar())).toContain('no pods matched the selector');
    expect(failureOf(() => expect([]).not.toHaveSidecar())).toContain('no pods matched the selector');
  });
});

describe('toBeReady, toHaveContainers, toHaveCount', () => {
  it('checks readiness of every pod', () => {
    expect([pod('a')]).toBeReady();
    expect(failureOf(() => expect([pod('a'), pod('b', { ready: false })]).toBeReady())).toContain('✗ b: containers [app], Running');
  });

  it('counts containers as READY does, native sidecars included', () => {
    expect([pod('a', { sidecar: 'classic' }), pod('b', { sidecar: 'native' })]).toHaveContainers(2);
    expect(failureOf(() => expect([pod('a')]).toHaveContainers(2))).toContain('Expected: 2');
  });

  it('counts pods', () => {
    expect([pod('a'), pod('b')]).toHaveCount(2);
    expect(failureOf(() => expect([pod('a')]).toHaveCount(3))).toContain('Result: 1 pods matched, expected 3');
  });

  it('rejects a value that is not a pod list', () => {
    expect(() => expect({ items: [] }).toHaveCount(0)).toThrow(/must be a list of pods/);
  });
});
