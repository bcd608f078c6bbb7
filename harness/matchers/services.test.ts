import type { V1Pod, V1Service, V1ServicePort } from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { installMatchers, type ServiceWithPods } from './index.js';

beforeAll(installMatchers);

function service(ports: V1ServicePort[], podLabels: Record<string, string>[] = [{ app: 'backend', version: 'v1' }]): ServiceWithPods {
  const svc: V1Service = { metadata: { name: 'backend' }, spec: { selector: { app: 'backend' }, ports } };
  const pods: V1Pod[] = podLabels.map((labels, i) => ({ metadata: { name: `backend-${i}`, labels } }));
  return { service: svc, pods };
}

describe('toFollowIstioConventions', () => {
  it('accepts protocol-prefixed names and appProtocol', () => {
    expect([
      service([
        { port: 80, name: 'http' },
        { port: 8080, name: 'http-web' },
        { port: 9090, name: 'grpc-web' },
        { port: 5000, name: 'metrics', appProtocol: 'http' },
        { port: 5001, appProtocol: 'kubernetes.io/h2c' },
      ]),
    ]).toFollowIstioConventions();
  });

  it('names each violation: bad name, unnamed port, unknown appProtocol, missing labels', () => {
    let message = '';
    try {
      expect([
        service([{ port: 80, name: 'web' }, { port: 81 }, { port: 82, appProtocol: 'smtp' }], [{ app: 'backend' }, { version: 'v2' }]),
      ]).toFollowIstioConventions();
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('Result: 5 violations in 1 services');
    expect(message).toContain('service/backend port 80: name "web" does not start with a protocol');
    expect(message).toContain('service/backend port 81: unnamed and without appProtocol, so Istio has to guess its protocol (sniffing');
    expect(message).toContain('service/backend port 82: appProtocol "smtp" is not a protocol Istio knows');
    expect(message).toContain('selects pod backend-0, which lacks the "version" label');
    expect(message).toContain('selects pod backend-1, which lacks the "app" label');
  });

  it('fails when no service matched', () => {
    expect(() => expect([]).toFollowIstioConventions()).toThrow(/no services matched/);
  });
});
