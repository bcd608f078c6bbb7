import type { CoreV1Event, V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { eventLine, podLine, summarize } from './diagnostics.js';

describe('pure formatting', () => {
  const pod: V1Pod = {
    metadata: { name: 'backend-1' },
    spec: { containers: [{ name: 'app' }], initContainers: [{ name: 'istio-proxy', restartPolicy: 'Always' }] },
    status: {
      phase: 'Running',
      containerStatuses: [{ name: 'app', ready: false, restartCount: 3, image: '', imageID: '', state: { waiting: { reason: 'CrashLoopBackOff' } } }],
      initContainerStatuses: [{ name: 'istio-proxy', ready: true, restartCount: 0, image: '', imageID: '' }],
    },
  };
  const warning: CoreV1Event = {
    metadata: {},
    type: 'Warning',
    reason: 'BackOff',
    message: 'Back-off restarting failed container',
    count: 4,
    lastTimestamp: new Date('2026-11-22T03:04:05Z'),
    involvedObject: { kind: 'Pod', name: 'backend-1' },
  };

  it('describes a pod and an event on one line each', () => {
    expect(podLine(pod)).toBe('backend-1 Running ready 1/2 restarts 3 (CrashLoopBackOff) [app, istio-proxy]');
    expect(eventLine(warning)).toBe('03:04:05 Warning BackOff pod/backend-1: Back-off restarting failed container (x4)');
  });

  it('summarises pods and the latest warnings, or why they could not be read', () => {
    expect(summarize('/a/ns/d', [pod], [warning])).toBe(
      ['diagnostics written to /a/ns/d', '  pods:', `    ${podLine(pod)}`, '  latest warnings:', `    ${eventLine(warning)}`].join('\n'),
    );
    expect(summarize('/a', 'could not be collected: 403 Forbidden: no', [])).toBe(
      'diagnostics written to /a\n  pods: could not be collected: 403 Forbidden: no',
    );
  });
});
