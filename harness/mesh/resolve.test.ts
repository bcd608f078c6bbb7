/** Protocol selection per Service port, as istio/istio@1.30.3 pkg/config/kube/conversion.go ConvertProtocol decides it. */
import { describe, expect, it } from 'vitest';
import { isOpaquePort } from './resolve.js';

describe('isOpaquePort', () => {
  it('reads appProtocol over the name, the prefix before the dash, grpc-web whole, and the Kubernetes app protocols', () => {
    expect(isOpaquePort({ port: 80, name: 'tcp-web', targetPort: 80 })).toBe(true);
    expect(isOpaquePort({ port: 80, name: 'tcp', appProtocol: 'http', targetPort: 80 })).toBe(false);
    expect(isOpaquePort({ port: 80, name: 'grpc-web-ui', targetPort: 80 })).toBe(false);
    expect(isOpaquePort({ port: 443, appProtocol: 'kubernetes.io/wss', targetPort: 443 })).toBe(true);
    expect(isOpaquePort({ port: 80, appProtocol: 'kubernetes.io/h2c', targetPort: 80 })).toBe(false);
  });

  it('sniffs a port without a known protocol, except the well-known ports 25, 53, 3306 and 27017, which are TCP', () => {
    expect(isOpaquePort({ port: 8080, targetPort: 8080 })).toBe(false);
    expect(isOpaquePort({ port: 8080, name: 'web', targetPort: 8080 })).toBe(false);
    for (const port of [25, 53, 3306, 27017]) expect(isOpaquePort({ port, targetPort: port }), String(port)).toBe(true);
    expect(isOpaquePort({ port: 3306, name: 'http', targetPort: 3306 })).toBe(false);
  });
});
