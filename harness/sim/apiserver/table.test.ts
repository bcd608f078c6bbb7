import { describe, expect, it } from 'vitest';
import { ResourceRegistry } from './registry.js';
import { humanAge, toTable } from './table.js';

describe('server-side printing', () => {
  it('prints ages as kubectl does', () => {
    const now = Date.parse('2026-01-01T12:00:00Z');
    const ago = (s: number) => new Date(now - s * 1000).toISOString();
    expect([45, 192, 1020, 18_180, 32_400, 4 * 86_400].map((s) => humanAge(ago(s), now))).toEqual(['45s', '3m12s', '17m', '5h3m', '9h', '4d']);
  });

  it('shows a crash-looping pod by its waiting reason, with ready and restart counts', () => {
    const pods = new ResourceRegistry().byResource('', 'v1', 'pods')!;
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web-1', creationTimestamp: new Date().toISOString() },
      spec: { containers: [{ name: 'app' }, { name: 'istio-proxy' }], nodeName: 'meshspec-sim' },
      status: {
        phase: 'Running',
        podIP: '10.244.0.5',
        containerStatuses: [
          { name: 'app', ready: false, restartCount: 3, state: { waiting: { reason: 'CrashLoopBackOff' } } },
          { name: 'istio-proxy', ready: true, restartCount: 0, state: { running: {} } },
        ],
      },
    };
    const table = toTable(pods, [pod], '7') as any;
    expect(table.columnDefinitions.map((c: any) => c.name)).toEqual([
      'Name',
      'Ready',
      'Status',
      'Restarts',
      'Age',
      'IP',
      'Node',
      'Nominated Node',
      'Readiness Gates',
    ]);
    expect(table.rows[0].cells.slice(0, 4)).toEqual(['web-1', '1/2', 'CrashLoopBackOff', '3']);
    expect(table.rows[0].cells.slice(5, 7)).toEqual(['10.244.0.5', 'meshspec-sim']);
  });
});
