import { describe, expect, it } from 'vitest';
import { describeStep } from './describe-step.js';
import { STEP_SCHEMAS } from './schema.js';
import type { Step } from './schema.js';

/** Steps as the loader returns them, with defaults applied. */
function step(raw: Record<string, unknown>): Step {
  const kind = Object.keys(raw).find((key) => key in STEP_SCHEMAS) as keyof typeof STEP_SCHEMAS;
  return STEP_SCHEMAS[kind].parse(raw) as Step;
}

describe('describeStep', () => {
  it.each([
    [{ name: 'route 75/25', apply: 'x.yaml' }, 'route 75/25'],
    [{ apply: 'manifests/backend.yaml' }, 'apply manifests/backend.yaml'],
    [{ apply: 'apiVersion: v1\nkind: Service\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: b}\n' }, 'apply Service/a, Pod/b'],
    [{ delete: 'deployment/backend' }, 'delete deployment/backend'],
    [{ delete: { kind: 'pod', selector: 'app=x' } }, 'delete pod app=x'],
    [{ label: { namespace: true, labels: { 'istio-injection': 'enabled', old: null } } }, 'label namespace istio-injection=enabled old-'],
    [{ patch: { object: 'svc/backend', patch: { spec: {} } } }, 'patch svc/backend (merge)'],
    [{ wait: { rollout: ['a', 'b'] } }, 'wait for rollout of a, b'],
    [{ wait: { pods: 'app=x', sidecar: true } }, 'wait for pods app=x ready with sidecar'],
    [{ exec: { command: ['istioctl', 'proxy-status'] } }, 'exec istioctl proxy-status'],
    [{ sleep: '2s' }, 'sleep 2s'],
    [
      { traffic: { from: 'client', to: 'http://backend/' }, expect: { toSplitTraffic: { split: { a: 100 } }, toReach: false } },
      'client -> http://backend/ toSplitTraffic, not toReach',
    ],
    [{ pods: { selector: 'app=x' }, expect: { toHaveSidecar: true } }, 'pods app=x toHaveSidecar'],
  ])('%j -> %s', (raw, summary) => {
    expect(describeStep(step(raw))).toBe(summary);
  });
});
