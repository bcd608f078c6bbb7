import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../contract/cluster.js';
import { assertContextAllowed, isLoopbackServer, parseAllowList } from './context-guard.js';

describe('context guard', () => {
  it('accepts kind and sim contexts whose server is on loopback without being told', () => {
    // kind writes https://<apiServerAddress>:<port>; the address defaults to 127.0.0.1, or ::1 on IPv6
    // (kubernetes-sigs/kind@v0.32.0 pkg/apis/config/v1alpha4/default.go).
    expect(() => assertContextAllowed('kind-meshspec', 'https://127.0.0.1:41234', [])).not.toThrow();
    expect(() => assertContextAllowed('kind-v6', 'https://[::1]:41234', [])).not.toThrow();
    expect(() => assertContextAllowed('meshspec-sim', 'https://127.0.0.1:40001', [])).not.toThrow();
  });

  it('refuses a kind-* context whose server is elsewhere, saying why and how to allow it', () => {
    const refuse = () => assertContextAllowed('kind-shared', 'https://10.20.0.5:6443', []);
    expect(refuse).toThrow(
      expect.objectContaining({
        message:
          'Refusing to run against context "kind-shared": its name says a kind cluster, but its server https://10.20.0.5:6443 is not on this machine\'s loopback (127.0.0.0/8, ::1, localhost), where kind publishes its API server unless networking.apiServerAddress says otherwise, and it was not allowed explicitly. meshspec creates and deletes namespaces in the cluster it runs on.',
        hint: 'If this cluster is meant for tests, allow it: --allow-context kind-shared',
      }),
    );
    expect(() => assertContextAllowed('meshspec-sim', 'https://sim.example.com:443', [])).toThrow(
      /its name says the meshspec sim, but its server https:\/\/sim\.example\.com:443 is not on this machine's loopback/,
    );
    expect(() => assertContextAllowed('kind-nowhere', undefined, [])).toThrow(/its server \(none defined\) is not/);
    expect(() => assertContextAllowed('kind-shared', 'https://10.20.0.5:6443', ['kind-shared'])).not.toThrow();
  });

  it('refuses any other context and says how to allow it', () => {
    const refuse = () => assertContextAllowed('arn:aws:eks:eu-west-1:1234:cluster/prod', 'https://ABCD.gr7.eu-west-1.eks.amazonaws.com', []);
    expect(refuse).toThrow(ProviderError);
    expect(refuse).toThrow(
      expect.objectContaining({
        message: expect.stringContaining(
          'Refusing to run against context "arn:aws:eks:eu-west-1:1234:cluster/prod": it is neither a kind cluster (kind-*) nor the meshspec sim',
        ),
        hint: 'If this cluster is meant for tests, allow it: --allow-context arn:aws:eks:eu-west-1:1234:cluster/prod',
      }),
    );
    // A loopback server alone does not make a context a throwaway one (a tunnel to a shared cluster looks the same).
    expect(() => assertContextAllowed('prod-tunnel', 'https://127.0.0.1:6443', [])).toThrow(ProviderError);
  });

  it('accepts a context named in the allow list', () => {
    expect(parseAllowList(' gke-test , staging,,')).toEqual(['gke-test', 'staging']);
    expect(() => assertContextAllowed('staging', 'https://10.0.0.1', parseAllowList('gke-test,staging'))).not.toThrow();
    expect(() => assertContextAllowed('stag', 'https://10.0.0.1', parseAllowList('gke-test,staging'))).toThrow(ProviderError);
  });

  it('knows loopback servers: 127.0.0.0/8, ::1 and localhost, nothing else', () => {
    for (const server of ['https://127.0.0.1:6443', 'https://127.1.2.3:6443', 'https://[::1]:6443', 'https://localhost:6443', 'https://LOCALHOST']) {
      expect(isLoopbackServer(server), server).toBe(true);
    }
    for (const server of [
      'https://0.0.0.0:6443',
      'https://128.0.0.1',
      'https://127.0.0.1.nip.io',
      'https://[::2]:6443',
      'https://kind-control-plane:6443',
      'not a url',
      undefined,
    ]) {
      expect(isLoopbackServer(server), String(server)).toBe(false);
    }
  });
});
