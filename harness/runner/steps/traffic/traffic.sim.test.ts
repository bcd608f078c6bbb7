/**
 * The traffic, pods and services steps end to end on the embedded cluster: echo pods started
 * by sim's kubelet, the forward call reached through sim's API server pod proxy.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKubeClients } from '../../../kube/clients.js';
import { waitForPods } from '../../../kube/waits/pods.js';
import type { ClusterHandle } from '../../../contract/cluster.js';
import type { StepReport } from '../../../report/types.js';
import type { SimCluster } from '../../../sim/index.js';
import { PodsStep, ServicesStep, TrafficStep } from '../../../spec/schema.js';
import { simHandle, startMeshSim, stepContextOn } from '../../__tests__/sim.js';
import type { KubeClients } from '../../../kube/types.js';
import type { StepContext } from '../../types.js';
import { podsOperation } from '../pods/index.js';
import { servicesOperation } from '../services/index.js';
import { trafficOperation } from './index.js';

const NAMESPACE = 'traffic-step';

function echoDeployment(name: string, labels: Record<string, string>): KubernetesObject {
  const args = ['--service', labels.app, '--version', labels.version];
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: NAMESPACE, labels },
    spec: {
      replicas: 1,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          containers: [
            {
              name: labels.app,
              image: 'meshspec/echo:dev',
              args,
              ports: [{ name: 'http', containerPort: 8080 }],
              readinessProbe: { httpGet: { path: '/_echo/healthz', port: 8080 }, periodSeconds: 1 },
            },
          ],
        },
      },
    },
  } as KubernetesObject;
}

const backendService = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'backend', namespace: NAMESPACE, labels: { app: 'backend' } },
  spec: { selector: { app: 'backend' }, ports: [{ name: 'http', port: 8080, targetPort: 8080 }] },
} as KubernetesObject;

let sim: SimCluster;
let cluster: ClusterHandle;
let kube: KubeClients;

beforeAll(async () => {
  sim = await startMeshSim('none');
  cluster = simHandle(sim, 'traffic-step-test');
  kube = createKubeClients(cluster);
  await kube.core.createNamespace({ body: { metadata: { name: NAMESPACE } } });
  for (const object of [
    backendService,
    echoDeployment('client', { app: 'client', version: 'v1' }),
    echoDeployment('backend-v1', { app: 'backend', version: 'v1' }),
    echoDeployment('backend-v2', { app: 'backend', version: 'v2' }),
  ]) {
    await kube.objects.create(object);
  }
  const deadline = { deadline: Date.now() + 60_000 };
  await waitForPods(kube, NAMESPACE, 'app=client', { ready: true }, deadline);
  await waitForPods(kube, NAMESPACE, 'app=backend', { ready: true }, deadline);
}, 120_000);

afterAll(() => sim?.stop());

function stepContext(reports: StepReport[], synced: string[] = []): StepContext {
  return stepContextOn(cluster, kube, NAMESPACE, 60_000, {
    meshSynced: async () => void synced.push('synced'),
    report: (data) => void reports.push(data as StepReport),
  });
}

describe('traffic step on sim', () => {
  it('waits for the mesh, sends from the client pod through the pod proxy, and reports the split', async () => {
    const reports: StepReport[] = [];
    const synced: string[] = [];
    const step = TrafficStep.parse({
      traffic: { from: 'client', to: 'http://backend.traffic-step:8080/', requests: 250 },
      expect: { toSplitTraffic: { split: { v1: 50, v2: 50 } }, toReach: true, toRespondWith: { status: 200, body: { service: 'backend' } } },
    });
    await trafficOperation.exec(step, stepContext(reports, synced));
    expect(synced).toEqual(['synced']);
    const traffic = reports[0].traffic!;
    // 250 requests take two forward calls (batches of 200).
    expect(traffic.n).toBe(250);
    expect(traffic.statuses).toEqual({ 200: 250 });
    expect(traffic.outcomes.map((o) => [o.matcher, o.pass])).toEqual([
      ['toSplitTraffic', true],
      ['toRespondWith', true],
      ['toReach', true],
    ]);
    expect(traffic.outcomes[0].shares?.map((s) => s.key).sort()).toEqual(['v1', 'v2']);
  });

  it('fails a wrong expectation with the matcher message and still reports', async () => {
    const reports: StepReport[] = [];
    const step = TrafficStep.parse({
      traffic: { from: 'client', to: 'http://backend.traffic-step:8080/', requests: 100 },
      expect: { toSplitTraffic: { split: { v1: 100 } } },
    });
    await expect(trafficOperation.exec(step, stepContext(reports))).rejects.toThrow(/Result: v1 got \d+ of 100 requests, expected all; also off: v2/);
    expect(reports[0].traffic?.outcomes[0].pass).toBe(false);
  });

  it('shares the budget between two share-based expectations, each decided on its own sample', async () => {
    const reports: StepReport[] = [];
    const step = TrafficStep.parse({
      traffic: { from: 'client', to: 'http://backend.traffic-step:8080/', concurrency: 50 },
      expect: { toSplitTraffic: { split: { v1: 50, v2: 50 } }, toSucceed: { atLeast: 90 } },
    });
    await trafficOperation.exec(step, stepContext(reports));
    const traffic = reports[0].traffic!;
    const [split, succeed] = traffic.outcomes;
    // Each at half of 1e-4: the split's intervals are at 99.995%, and the success rate is decided on the 472 requests a minimum of 90% needs at 5e-5.
    expect(split).toMatchObject({ matcher: 'toSplitTraffic', pass: true, detail: expect.stringContaining('99.995% intervals') });
    expect(succeed).toMatchObject({ matcher: 'toSucceed', pass: true, detail: expect.stringContaining('of 472 ') });
    expect(traffic.sampling).toMatch(/^sequential sampling: toSplitTraffic stopped after \d+ requests: /);
    expect(traffic.n).toBeGreaterThanOrEqual(472);
  });

  it("finds this batch in the servers' own request logs", async () => {
    const reports: StepReport[] = [];
    const step = TrafficStep.parse({
      traffic: { from: 'client', to: 'http://backend.traffic-step:8080/', requests: 30 },
      // Every request lands on one of the backend pods, so all of its ids are in their logs.
      expect: { toMirrorTo: { mirror: 'app=backend', share: 100 } },
    });
    await trafficOperation.exec(step, stepContext(reports));
    expect(reports[0].traffic?.outcomes[0]).toMatchObject({ matcher: 'toMirrorTo', pass: true });
  });

  it('names the workload it could not find', async () => {
    const step = TrafficStep.parse({ traffic: { from: 'nobody', to: 'http://backend:8080/', requests: 1 }, expect: { toReach: true } });
    await expect(trafficOperation.exec(step, stepContext([]))).rejects.toThrow(/no ready pod of workload "nobody" \(selector app=nobody\)/);
  });
});

describe('pods and services steps on sim', () => {
  it('checks the selected pods', async () => {
    await podsOperation.exec(
      PodsStep.parse({ pods: { selector: 'app=backend' }, expect: { toHaveCount: 2, toBeReady: true, toHaveSidecar: false } }),
      stepContext([]),
    );
    await expect(podsOperation.exec(PodsStep.parse({ pods: { selector: 'app=backend' }, expect: { toHaveSidecar: true } }), stepContext([]))).rejects.toThrow(
      /0 of 2 pods have an istio-proxy sidecar/,
    );
  });

  it('checks Istio conventions of services and the pods they select', async () => {
    await servicesOperation.exec(ServicesStep.parse({ services: { selector: 'app=backend' }, expect: { toFollowIstioConventions: true } }), stepContext([]));
  });
});
