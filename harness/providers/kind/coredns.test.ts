import { describe, expect, it } from 'vitest';
import { withExternalHost, withoutExternalHost } from './coredns.js';

const KIND_COREFILE = `.:53 {
    errors
    health {
       lameduck 5s
    }
    kubernetes cluster.local in-addr.arpa ip6.arpa {
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
    }
    forward . /etc/resolv.conf
    cache 30
    reload
}
`;

describe('CoreDNS external host', () => {
  it('adds a meshspec.test server block that resolves the external host', () => {
    const patched = withExternalHost(KIND_COREFILE, '172.18.0.7');
    expect(patched.startsWith(KIND_COREFILE)).toBe(true);
    expect(patched).toContain('meshspec.test:53 {\n    hosts {\n        172.18.0.7 external.meshspec.test\n    }\n}');
  });

  it('gives back the original Corefile exactly', () => {
    expect(withoutExternalHost(withExternalHost(KIND_COREFILE, '172.18.0.7'))).toBe(KIND_COREFILE);
  });

  it('replaces a block left by an interrupted run instead of adding a second one', () => {
    const twice = withExternalHost(withExternalHost(KIND_COREFILE, '172.18.0.7'), '172.18.0.8');
    expect(twice.match(/meshspec\.test:53/g)).toHaveLength(1);
    expect(twice).toContain('172.18.0.8 external.meshspec.test');
  });

  it("leaves a Corefile without meshspec's block unchanged", () => {
    expect(withoutExternalHost(KIND_COREFILE)).toBe(KIND_COREFILE);
  });
});
