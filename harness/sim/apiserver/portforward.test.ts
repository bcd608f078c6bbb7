/** pods/portforward on a running sim, through @kubernetes/client-node's PortForward and kubectl. */
import { PassThrough } from 'node:stream';
import { CoreV1Api, KubeConfig, PortForward } from '@kubernetes/client-node';
import { execa } from 'execa';
import type WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenOnGatewayPort80 } from '../../../test/providers/gateway-listener.js';
import { startSim, type SimCluster } from '../index.js';

const KUBECTL = process.env.KUBECTL ?? '/usr/bin/kubectl';
let sim: SimCluster;
let kc: KubeConfig;

beforeAll(async () => {
  sim = await startSim({ istioProfile: 'demo' });
  kc = new KubeConfig();
  kc.loadFromFile(sim.kubeconfigPath);
}, 90_000);
afterAll(() => sim?.stop());

async function podName(selector: string): Promise<string> {
  const { items } = await kc.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: 'istio-system', labelSelector: selector });
  return items[0].metadata!.name!;
}

/** Opens a forward to `port` of the pod, sends `request`, and collects both channels until the server closes. */
async function forward(pod: string, port: number, request: string): Promise<{ data: string; error: string }> {
  const [output, errors, input] = [new PassThrough(), new PassThrough(), new PassThrough()];
  const chunks = { data: [] as Buffer[], error: [] as Buffer[] };
  output.on('data', (chunk: Buffer) => chunks.data.push(chunk));
  errors.on('data', (chunk: Buffer) => chunks.error.push(chunk));
  const ws = (await new PortForward(kc).portForward('istio-system', pod, [port], output, errors, input)) as WebSocket;
  const closed = new Promise((resolve) => ws.on('close', resolve));
  input.write(request);
  await closed;
  return { data: Buffer.concat(chunks.data).toString(), error: Buffer.concat(chunks.error).toString() };
}

describe('pods/portforward', () => {
  it('streams a connection to the pod port both ways, without the port prefixes', async () => {
    // The gateway listens on 8080 only once a Gateway server names its port; a Host no server names then gets 404.
    await listenOnGatewayPort80(sim.kubeconfigPath);
    const pod = await podName('istio=ingressgateway');
    const request = 'GET / HTTP/1.1\r\nHost: nobody.example.com\r\nConnection: close\r\n\r\n';
    let { data, error } = await forward(pod, 8080, request);
    // Until istiod's push reaches the gateway, the port refuses the connection.
    for (let tries = 0; data === '' && tries < 50; tries++) ({ data, error } = await forward(pod, 8080, request));
    expect(data).toMatch(/^HTTP\/1\.1 404 /);
    expect(data.toLowerCase()).toContain('server: istio-envoy');
    expect(error).toBe('');
  });

  it('reports a port nothing listens on over the error channel and closes', async () => {
    const pod = await podName('app=istiod');
    const { data, error } = await forward(pod, 1, '');
    expect(data).toBe('');
    expect(error).toBe(`error forwarding port 1 to pod istio-system/${pod}: no container of the pod listens on that port`);
  });

  it('answers a missing pod with 404 before the upgrade', async () => {
    await expect(new PortForward(kc).portForward('istio-system', 'nope', [80], new PassThrough(), null, new PassThrough())).rejects.toThrow(
      'Unexpected server response: 404',
    );
  });

  it('tells kubectl port-forward (SPDY) what the sim serves instead', async () => {
    const result = await execa(
      KUBECTL,
      ['--kubeconfig', sim.kubeconfigPath, '-n', 'istio-system', 'port-forward', `pod/${await podName('app=istiod')}`, '0:15010'],
      { reject: false, timeout: 20_000 },
    );
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toContain('the sim serves port-forward over WebSocket with the v4.channel.k8s.io protocol only');
  });

  it('still answers a non-WebSocket request to the subresource, and other upgrades, as plain requests', async () => {
    const result = await execa(
      KUBECTL,
      ['--kubeconfig', sim.kubeconfigPath, 'get', '--raw', `/api/v1/namespaces/istio-system/pods/${await podName('app=istiod')}/portforward?ports=15010`],
      { reject: false },
    );
    expect(result.stderr).toContain('the sim provider cannot port-forward to pods other than over WebSocket');
    const exec = await execa(KUBECTL, ['--kubeconfig', sim.kubeconfigPath, '-n', 'istio-system', 'exec', await podName('app=istiod'), '--', 'true'], {
      reject: false,
      timeout: 20_000,
    });
    expect(exec.stderr).toContain('the sim provider cannot exec to pods');
  });
});
