import type { V1Deployment, V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { podsProgress } from './pods.js';
import { rolloutProgress } from './rollout.js';

const deployment = (status: V1Deployment['status'], generation = 2, replicas = 2): V1Deployment => ({
  metadata: { name: 'backend', generation },
  spec: { replicas, selector: {}, template: {} },
  status,
});

describe('rollout', () => {
  it('follows kubectl rollout status, step by step', () => {
    expect(rolloutProgress(deployment({ observedGeneration: 1 }))).toEqual({ done: false, why: 'the controller has not seen generation 2 yet' });
    expect(rolloutProgress(deployment({ observedGeneration: 2, updatedReplicas: 1, replicas: 2 }))).toEqual({ done: false, why: '1 of 2 replicas updated' });
    expect(rolloutProgress(deployment({ observedGeneration: 2, updatedReplicas: 2, replicas: 3 }))).toEqual({
      done: false,
      why: '1 old replicas are pending termination',
    });
    expect(rolloutProgress(deployment({ observedGeneration: 2, updatedReplicas: 2, replicas: 2, readyReplicas: 1 }))).toEqual({
      done: false,
      why: '1 of 2 updated replicas ready',
    });
    expect(rolloutProgress(deployment({ observedGeneration: 2, updatedReplicas: 2, replicas: 2, readyReplicas: 2, availableReplicas: 2 }))).toEqual({
      done: true,
      value: undefined,
    });
  });

  it('fails at once when the deployment exceeded its progress deadline', () => {
    const stuck = deployment({
      observedGeneration: 2,
      conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'ReplicaSet "b" has timed out progressing.' }],
    });
    expect(() => rolloutProgress(stuck)).toThrow('deployment/backend exceeded its progress deadline: ReplicaSet "b" has timed out progressing.');
  });
});

const pod = (name: string, ready: boolean, extra: Partial<V1Pod['spec']> = {}, deleting = false): V1Pod => ({
  metadata: { name, ...(deleting ? { deletionTimestamp: new Date() } : {}) },
  spec: { containers: [{ name: 'app' }], ...extra },
  status: { phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', reason: ready ? undefined : 'ContainersNotReady' }] },
});
const proxy = { containers: [{ name: 'app' }, { name: 'istio-proxy' }] };
const nativeProxy = { initContainers: [{ name: 'istio-proxy', restartPolicy: 'Always' }] };

describe('pods', () => {
  it('waits for pods to exist', () => {
    expect(podsProgress([], 'app=b', { ready: true })).toEqual({ done: false, why: 'no pods match app=b yet' });
  });

  it('waits for readiness, ignoring pods that are shutting down', () => {
    expect(podsProgress([pod('a', true), pod('b', false)], 'app=b', { ready: true })).toMatchObject({
      done: false,
      why: expect.stringContaining('1 of 2 pods not ready: b: Running, Ready=False (ContainersNotReady)'),
    });
    expect(podsProgress([pod('a', true), pod('old', false, {}, true)], 'app=b', { ready: true })).toEqual({ done: true, value: ['a'] });
    expect(podsProgress([pod('b', false)], 'app=b', { ready: false })).toEqual({ done: true, value: ['b'] });
  });

  it('accepts classic and native sidecars only', () => {
    expect(podsProgress([pod('a', true, proxy), pod('b', true, nativeProxy)], 'app=b', { ready: true, sidecar: true })).toEqual({
      done: true,
      value: ['a', 'b'],
    });
    const initOnly = pod('c', true, { initContainers: [{ name: 'istio-proxy' }] });
    expect(podsProgress([initOnly], 'app=b', { ready: true, sidecar: true })).toMatchObject({
      done: false,
      why: expect.stringContaining('1 of 1 pods have no istio-proxy sidecar (c)'),
    });
  });
});
