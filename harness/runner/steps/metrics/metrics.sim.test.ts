/**
 * The metrics step on the embedded cluster: the Prometheus addon (sim's stand-in) queried from
 * a client pod's forward call, after traffic between two sidecar-injected workloads.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKubeClients } from '../../../kube/clients.js';
import { waitForPods } from '../../../kube/waits/pods.js';
import type { ClusterHandle } from '../../../contract/cluster.js';
import type { SimCluster } from '../../../sim/index.js';
import { MetricsStep, TrafficStep } from '../../../spec/schema.js';
import { simHandle, startMeshSim, stepContextOn } from '../../__tests__/sim.js';
import type { KubeClients } from '../../../kube/types.js';
import type { StepContext } from '../../types.js';
import { trafficOperation } from '../traffic/index.js';
import { metricsOperation } from './index.js';

const NAMESPACE = 'metrics-step';

function deployment(namespace: string, name: string, image: string, port: number, args: string[] = []): KubernetesObject {
  const labels = { app: name, version: 'v1' };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace },
    spec: {
      replicas: 1,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [{ name, image, args, ports: [{ name: 'http', containerPort: port }] }] } },
    },
  } as KubernetesObject;
}

function service(namespace: string, name: string, port: number): KubernetesObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace },
    spec: { selector: { app: name }, ports: [{ name: 'http', port, targetPort: port }] },
  } as KubernetesObject;
}

let sim: SimCluster;
let kube: KubeClients;
let cluster: ClusterHandle;

beforeAll(async () => {
  sim = await startMeshSim('demo');
  cluster = simHandle(sim, 'metrics-step-test');
  kube = createKubeClients(cluster);
  await kube.core.createNamespace({ body: { metadata: { name: NAMESPACE, labels: { 'istio-injection': 'enabled' } } } });
  for (const object of [
    service('istio-system', 'prometheus', 9090),
    deployment('istio-system', 'prometheus', 'prom/prometheus:v3.5.0', 9090),
    service(NAMESPACE, 'backend', 8080),
    deployment(NAMESPACE, 'backend', 'meshspec/echo:dev', 8080, ['--service', 'backend']),
    deployment(NAMESPACE, 'client', 'meshspec/echo:dev', 8080, ['--service', 'client']),
  ]) {
    await kube.objects.create(object);
  }
  const deadline = { deadline: Date.now() + 60_000 };
  await waitForPods(kube, 'istio-system', 'app=prometheus', { ready: true }, deadline);
  await waitForPods(kube, NAMESPACE, 'app in (client,backend)', { ready: true, sidecar: true }, deadline);
}, 120_000);

afterAll(() => sim?.stop());

function stepContext(timeoutMs: number, logs: string[] = []): StepContext {
  return stepContextOn(cluster, kube, NAMESPACE, timeoutMs, { log: (line) => void logs.push(line) });
}

const query = `istio_requests_total{source_workload="client",destination_workload="backend",destination_workload_namespace="${NAMESPACE}",reporter="destination"}`;

describe('metrics step on sim', () => {
  it('sees the requests a traffic step sent', async () => {
    const traffic = TrafficStep.parse({ traffic: { from: 'client', to: `http://backend.${NAMESPACE}:8080/`, requests: 12 }, expect: { toSucceed: {} } });
    await trafficOperation.exec(traffic, stepContext(30_000));
    await metricsOperation.exec(MetricsStep.parse({ metrics: { query }, expect: { toBeAtLeast: 12 } }), stepContext(30_000));
  });

  it('fails with the series it saw when the value stays below the bound', async () => {
    const logs: string[] = [];
    const step = MetricsStep.parse({ metrics: { query }, expect: { toBeAtLeast: 1_000_000 } });
    const error = await metricsOperation.exec(step, stepContext(4_000, logs)).then(
      () => null,
      (e: Error) => e,
    );
    expect(error?.message).toContain('expect(metric).toBeAtLeast(expected)');
    expect(error?.message).toMatch(/sums to \d+ over 1 series/);
    expect(error?.message).toContain('"destination_workload":"backend"');
    expect(logs.join('\n')).toMatch(/timed out after .* waiting for istio_requests_total.* to reach 1000000/);
  });
});
