import type { V1Node, V1Service } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { ingressFromService } from './ingress.js';

const ports = [
  { name: 'status-port', port: 15021 },
  { name: 'http2', port: 80, nodePort: 31380 },
];
const node = (addresses: { type: string; address: string }[]): V1Node => ({ status: { addresses } });

describe('ingress address', () => {
  it('uses the load balancer hostname (EKS) or IP (GKE)', () => {
    const service = (ingress: object): V1Service => ({ spec: { type: 'LoadBalancer', ports }, status: { loadBalancer: { ingress: [ingress] } } });
    expect(ingressFromService(service({ hostname: 'a1b2.elb.amazonaws.com' }), [])).toEqual({ http: 'http://a1b2.elb.amazonaws.com' });
    expect(ingressFromService(service({ ip: '34.1.2.3' }), [])).toEqual({ http: 'http://34.1.2.3' });
  });

  it('falls back to the NodePort on a node address, external first', () => {
    const service: V1Service = { spec: { type: 'NodePort', ports } };
    expect(
      ingressFromService(service, [
        node([
          { type: 'InternalIP', address: '10.0.0.4' },
          { type: 'ExternalIP', address: '52.0.0.9' },
        ]),
      ]),
    ).toEqual({ http: 'http://52.0.0.9:31380' });
    expect(ingressFromService(service, [node([{ type: 'InternalIP', address: 'fd00::4' }])])).toEqual({ http: 'http://[fd00::4]:31380' });
  });

  it('has no address for a ClusterIP gateway or one without an HTTP port', () => {
    expect(ingressFromService({ spec: { type: 'ClusterIP', ports: [{ name: 'http2', port: 80 }] } }, [])).toBeNull();
    expect(ingressFromService({ spec: { type: 'NodePort', ports: [{ name: 'tls', port: 443, nodePort: 30443 }] } }, [])).toBeNull();
  });

  it('keeps a load balancer port other than 80', () => {
    const service: V1Service = { spec: { ports: [{ name: 'http2', port: 8080 }] }, status: { loadBalancer: { ingress: [{ ip: '1.2.3.4' }] } } };
    expect(ingressFromService(service, [])).toEqual({ http: 'http://1.2.3.4:8080' });
  });
});
