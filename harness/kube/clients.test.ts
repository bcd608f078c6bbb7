import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createKubeClients } from './clients.js';

function kubeconfig(server: string): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    `clusters: [{ name: c, cluster: { server: "${server}" } }]`,
    'users: [{ name: u, user: { token: t } }]',
    'contexts: [{ name: ctx, context: { cluster: c, user: u } }]',
    'current-context: ctx',
  ].join('\n');
}

describe('createKubeClients', () => {
  it('shares clients while the kubeconfig is unchanged, and builds new ones when a cluster is recreated at the same path', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'meshspec-clients-')), 'kubeconfig');
    writeFileSync(file, kubeconfig('https://127.0.0.1:1111'));
    const first = createKubeClients({ kubeconfig: file, context: 'ctx' });
    expect(createKubeClients({ kubeconfig: file, context: 'ctx' })).toBe(first);
    writeFileSync(file, kubeconfig('https://127.0.0.1:2222'));
    const second = createKubeClients({ kubeconfig: file, context: 'ctx' });
    expect(second).not.toBe(first);
    expect(second.kc.getCurrentCluster()?.server).toBe('https://127.0.0.1:2222');
  });

  it('names the file and the contexts it has when the context is missing', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'meshspec-clients-')), 'kubeconfig');
    writeFileSync(file, kubeconfig('https://127.0.0.1:1111'));
    expect(() => createKubeClients({ kubeconfig: file, context: 'other' })).toThrow(`kubeconfig ${file} has no context "other" (it has: ctx)`);
  });
});
