/** Matchers on a list of pods (V1Pod[]), over one every-pod engine. */
import type { V1Pod } from '@kubernetes/client-node';
import type { MatcherState } from 'vitest';
import { hasSidecar, isPodReady, runningContainers } from '../contract/pods.js';
import { conclude, expectReceived, type MatcherResult } from './engines.js';

function isPodList(value: unknown): value is V1Pod[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'object' && item !== null && 'metadata' in item);
}

function describePod(pod: V1Pod): string {
  const containers = (pod.spec?.containers ?? []).map((c) => c.name).join(', ');
  const init = (pod.spec?.initContainers ?? []).map((c) => `${c.name}${c.restartPolicy === 'Always' ? ' (native sidecar)' : ''}`);
  const phase = pod.status?.phase ?? 'Unknown';
  return `${pod.metadata?.name}: containers [${containers}]${init.length ? `, init [${init.join(', ')}]` : ''}, ${phase}${isPodReady(pod) ? ', ready' : ''}`;
}

/**
 * Every-pod engine. Positive: every pod has the property. Under `.not`: no pod has it (so
 * `.not.toHaveSidecar()` checks opted-out pods, not "some pod lacks one"). No pods at all
 * fails either way: an empty selection proves nothing.
 */
function concludeEveryPod(
  state: MatcherState,
  matcher: string,
  received: unknown,
  property: string,
  check: (pod: V1Pod) => boolean,
  expected?: unknown,
): MatcherResult {
  const pods = expectReceived(received, matcher, 'a list of pods (V1Pod[])', isPodList);
  const having = pods.filter(check);
  const pass = state.isNot ? pods.length === 0 || having.length > 0 : pods.length > 0 && having.length === pods.length;
  const detail =
    pods.length === 0
      ? 'no pods matched the selector'
      : `${having.length} of ${pods.length} pods ${property}`;
  return conclude(state, {
    matcher,
    received: 'pods',
    expected,
    pass,
    detail,
    findings: () => pods.map((pod) => `  ${check(pod) ? '✓' : '✗'} ${describePod(pod)}`),
  });
}

export function toHaveSidecar(this: MatcherState, received: unknown): MatcherResult {
  return concludeEveryPod(this, 'toHaveSidecar', received, 'have an istio-proxy sidecar', hasSidecar);
}

export function toBeReady(this: MatcherState, received: unknown): MatcherResult {
  return concludeEveryPod(this, 'toBeReady', received, 'are ready', isPodReady);
}

export function toHaveContainers(this: MatcherState, received: unknown, expected: number): MatcherResult {
  return concludeEveryPod(this, 'toHaveContainers', received, `run ${expected} containers`, (pod) => runningContainers(pod).length === expected, expected);
}

export function toHaveCount(this: MatcherState, received: unknown, expected: number): MatcherResult {
  const pods = expectReceived(received, 'toHaveCount', 'a list of pods (V1Pod[])', isPodList);
  return conclude(this, {
    matcher: 'toHaveCount',
    received: 'pods',
    expected,
    pass: pods.length === expected,
    detail: `${pods.length} pods matched, expected ${expected}`,
    findings: () => pods.map((pod) => `  ${describePod(pod)}`),
  });
}
