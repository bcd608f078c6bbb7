/** The every-pod engine the pod matchers share, over a list of pods (V1Pod[]). */
import type { V1Pod } from '@kubernetes/client-node';
import type { MatcherState } from 'vitest';
import { isPodReady } from '../../contract/pods.js';
import { conclude, expectReceived, type MatcherResult } from '../engines.js';

function isPodList(value: unknown): value is V1Pod[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'object' && item !== null && 'metadata' in item);
}

export function expectPods(received: unknown, matcher: string): V1Pod[] {
  return expectReceived(received, matcher, 'a list of pods (V1Pod[])', isPodList);
}

export function describePod(pod: V1Pod): string {
  const containers = (pod.spec?.containers ?? []).map((c) => c.name).join(', ');
  const init = (pod.spec?.initContainers ?? []).map((c) => `${c.name}${c.restartPolicy === 'Always' ? ' (native sidecar)' : ''}`);
  const phase = pod.status?.phase ?? 'Unknown';
  return `${pod.metadata?.name}: containers [${containers}]${init.length ? `, init [${init.join(', ')}]` : ''}, ${phase}${isPodReady(pod) ? ', ready' : ''}`;
}

/**
 * Positive: every pod has the property. Under `.not`: no pod has it (so
 * `.not.toHaveSidecar()` checks opted-out pods, not "some pod lacks one"). No pods at all
 * fails either way: an empty selection proves nothing.
 */
export function concludeEveryPod(
  state: MatcherState,
  matcher: string,
  received: unknown,
  property: string,
  check: (pod: V1Pod) => boolean,
  expected?: unknown,
): MatcherResult {
  const pods = expectPods(received, matcher);
  const having = pods.filter(check);
  const pass = state.isNot ? pods.length === 0 || having.length > 0 : pods.length > 0 && having.length === pods.length;
  const detail = pods.length === 0 ? 'no pods matched the selector' : `${having.length} of ${pods.length} pods ${property}`;
  return conclude(state, {
    matcher,
    received: 'pods',
    expected,
    pass,
    detail,
    findings: () => pods.map((pod) => `  ${check(pod) ? '✓' : '✗'} ${describePod(pod)}`),
  });
}
