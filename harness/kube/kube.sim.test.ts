/**
 * The kube layer against the embedded cluster (no Istio): the same client-node calls it
 * makes against kind or EKS, answered by a real API server with controllers and pods.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { V1Deployment } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimCluster } from '../sim/index.js';
import { startKubeSim } from './__tests__/sim.js';
import type { AppliedObject, KubeClients } from './types.js';
import {
  createScenarioNamespace,
  deleteObjects,
  deleteScenarioResources,
  loadManifests,
  patchObject,
  readObject,
  removeStaleNamespaces,
  RUN_LABEL,
  selectObjects,
  setMetadata,
  waitForCondition,
  waitForDeletion,
  waitForPods,
  waitForRollout,
  type RunOwner,
} from './index.js';

const RUN_ID = 'run-kube-test';
const soon = () => ({ deadline: Date.now() + 30_000 });

const echo = (name: string, replicas = 1) => `
apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, labels: {app: ${name}}}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}, version: v1}}
    spec:
      containers:
      - name: app
        image: meshspec/echo:dev
        args: ["--service", "${name}", "--version", "v1"]
        ports: [{name: http, containerPort: 8080}]
        readinessProbe: {httpGet: {path: /_echo/healthz, port: 8080}, periodSeconds: 1}
---
apiVersion: v1
kind: Service
metadata: {name: ${name}}
spec:
  selector: {app: ${name}}
  ports: [{name: http, port: 8080, targetPort: 8080}]
`;

let sim: SimCluster;
let kube: KubeClients;
let owner: RunOwner;
let apply: (yaml: string, rewrites?: Record<string, string>) => Promise<AppliedObject[]>;

beforeAll(async () => {
  ({ sim, kube, owner, apply } = await startKubeSim({ istioProfile: 'none' }, 'kube-test', RUN_ID));
}, 60_000);

afterAll(async () => {
  await sim?.stop();
});

describe('scenario namespace', () => {
  it('is named after the scenario and labelled with the run, the scenario and the mesh mode', async () => {
    expect(owner.namespace).toMatch(/^kube-test-[a-z0-9]{5}$/);
    const namespace = await kube.core.readNamespace({ name: owner.namespace });
    expect(namespace.metadata?.labels).toMatchObject({ [RUN_LABEL]: RUN_ID, 'meshspec.dev/scenario': 'kube-test', 'istio-injection': 'enabled' });
    const ambient = await createScenarioNamespace(kube, { name: 'ambient-test', mesh: 'ambient' }, RUN_ID);
    expect((await kube.core.readNamespace({ name: ambient })).metadata?.labels).toMatchObject({ 'istio.io/dataplane-mode': 'ambient' });
  });

  it('removes namespaces of earlier runs, and only those', async () => {
    const stale = await createScenarioNamespace(kube, { name: 'stale', mesh: 'none' }, 'run-before');
    await kube.core.createNamespace({ body: { metadata: { name: 'users-own' } } });
    expect((await removeStaleNamespaces(kube, RUN_ID, { namespaceGraceMs: 0 })).namespaces).toEqual([stale]);
    await waitForDeletion(kube, { apiVersion: 'v1', kind: 'Namespace', name: stale }, soon());
    expect(await readObject(kube, { apiVersion: 'v1', kind: 'Namespace', name: 'users-own' })).toBeDefined();
    expect(await readObject(kube, { apiVersion: 'v1', kind: 'Namespace', name: owner.namespace })).toBeDefined();
  });
});

describe('apply', () => {
  it('puts namespace-less objects into the scenario namespace, rewrites images, and waits for the rollout and pods', async () => {
    const applied = await apply(echo('backend', 2), { 'meshspec/echo': 'registry.test/meshspec/echo:current' });
    expect(applied.map((o) => `${o.kind}/${o.name}@${o.namespace}`)).toEqual([`Deployment/backend@${owner.namespace}`, `Service/backend@${owner.namespace}`]);
    expect(applied[0]!.generation).toBe(1);
    const deployment = await readObject<V1Deployment>(kube, applied[0]!);
    expect(deployment?.spec?.template.spec?.containers[0]?.image).toBe('registry.test/meshspec/echo:current');
  });

  it('is idempotent and keeps the generation when nothing changed', async () => {
    const [deployment] = await apply(echo('twice'));
    const [again] = await apply(echo('twice'));
    expect(again!.generation).toBe(deployment!.generation);
  });

  it('keeps cluster-scoped objects cluster-scoped and labels what it creates outside the namespace', async () => {
    const [namespace] = await apply('apiVersion: v1\nkind: Namespace\nmetadata: {name: kube-test-extra}\n');
    expect(namespace!.namespace).toBeUndefined();
    const created = await kube.core.readNamespace({ name: 'kube-test-extra' });
    expect(created.metadata?.labels?.[RUN_LABEL]).toBe(RUN_ID);
  });

  it('refuses to change an object the user had before the run, and leaves it as it was', async () => {
    await kube.core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'users-config' }, data: { mine: 'yes' } } });
    await expect(apply('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: users-config, namespace: default}\ndata: {mine: "no"}\n')).rejects.toThrow(
      /^test\.yaml:1 \(document 1\): applying ConfigMap\/users-config in namespace default failed: ConfigMap\/users-config in namespace default existed before this run/,
    );
    expect((await kube.core.readNamespacedConfigMap({ name: 'users-config', namespace: 'default' })).data).toEqual({ mine: 'yes' });
  });

  it("names the file, the object and the server's reason when the server refuses", async () => {
    await expect(apply('apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n')).rejects.toThrow(
      'test.yaml:1 (document 1): applying Widget/w failed: no matches for kind "Widget" in version "example.com/v1"',
    );
  });

  it('brings a CRD and objects of its kind in one manifest', async () => {
    const crd = `
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wdg]}
  versions:
  - name: v1
    served: true
    storage: true
    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
`;
    const applied = await apply(`apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {size: 3}\n---${crd}`);
    expect(applied.map((o) => o.kind)).toEqual(['CustomResourceDefinition', 'Widget']);
    const [widget] = await selectObjects(kube, { ref: 'wdg/w' }, owner.namespace);
    expect(widget).toEqual({ apiVersion: 'example.com/v1', kind: 'Widget', name: 'w', namespace: owner.namespace });
  });
});

describe('waits', () => {
  it('waits for a rollout, ready pods and a condition', async () => {
    await waitForRollout(kube, owner.namespace, 'backend', soon());
    const pods = await waitForPods(kube, owner.namespace, 'app=backend', { ready: true }, soon());
    expect(pods).toHaveLength(2);
    await waitForCondition(kube, { apiVersion: 'apps/v1', kind: 'Deployment', name: 'backend', namespace: owner.namespace }, 'Available', 'True', soon());
  });

  it('times out saying what it waited for and what it last saw', async () => {
    await expect(waitForPods(kube, owner.namespace, 'app=backend', { ready: true, sidecar: true }, { deadline: Date.now() + 600 })).rejects.toThrow(
      /waiting for pods matching app=backend in namespace kube-test-\w+ to be ready with an istio-proxy sidecar; last seen: 2 of 2 pods have no istio-proxy sidecar/,
    );
    await expect(waitForRollout(kube, owner.namespace, 'missing', { deadline: Date.now() + 300 })).rejects.toThrow(
      /waiting for the rollout of deployment\/missing in namespace kube-test-\w+; last seen: the deployment does not exist yet/,
    );
  });
});

describe('labels, annotations and patches', () => {
  const service = () => ({ apiVersion: 'v1', kind: 'Service', name: 'backend', namespace: owner.namespace });
  const namespaceId = () => ({ apiVersion: 'v1', kind: 'Namespace', name: owner.namespace });

  it('sets and removes labels and annotations', async () => {
    await setMetadata(kube, [namespaceId()], 'labels', { 'istio-injection': null, team: 'mesh' }, owner);
    let labels = (await kube.core.readNamespace({ name: owner.namespace })).metadata?.labels ?? {};
    expect(labels).toMatchObject({ team: 'mesh', [RUN_LABEL]: RUN_ID });
    expect(labels).not.toHaveProperty('istio-injection');
    await setMetadata(kube, [namespaceId()], 'labels', { 'istio-injection': 'enabled' }, owner);
    labels = (await kube.core.readNamespace({ name: owner.namespace })).metadata?.labels ?? {};
    expect(labels['istio-injection']).toBe('enabled');
    await setMetadata(kube, [service()], 'annotations', { note: 'x' }, owner);
    expect((await kube.core.readNamespacedService({ name: 'backend', namespace: owner.namespace })).metadata?.annotations).toMatchObject({ note: 'x' });
  });

  it('refuses to label a namespace the user had', async () => {
    await expect(setMetadata(kube, [{ apiVersion: 'v1', kind: 'Namespace', name: 'default' }], 'labels', { x: 'y' }, owner)).rejects.toThrow(
      "Namespace/default existed before this run, outside the scenario's namespace",
    );
    expect((await kube.core.readNamespace({ name: 'default' })).metadata?.labels?.x).toBeUndefined();
  });

  it('may change what lives in a namespace the run created, though the object itself is unlabelled', async () => {
    await kube.core.createNamespacedConfigMap({ namespace: 'kube-test-extra', body: { metadata: { name: 'made-by-a-controller' } } });
    const id = { apiVersion: 'v1', kind: 'ConfigMap', name: 'made-by-a-controller', namespace: 'kube-test-extra' };
    await setMetadata(kube, [id], 'labels', { seen: 'yes' }, owner);
    expect((await readObject(kube, id))?.metadata?.labels).toEqual({ seen: 'yes' });
  });

  it('applies merge, JSON and strategic patches', async () => {
    const deployment = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'backend', namespace: owner.namespace };
    const merged = await patchObject(kube, deployment, 'merge', { spec: { replicas: 1 } }, owner);
    expect(merged.generation).toBe(2);
    await patchObject(kube, service(), 'json', [{ op: 'replace', path: '/spec/ports/0/name', value: 'http-web' }], owner);
    expect((await kube.core.readNamespacedService({ name: 'backend', namespace: owner.namespace })).spec?.ports?.[0]?.name).toBe('http-web');
    await patchObject(
      kube,
      deployment,
      'strategic',
      { spec: { template: { spec: { containers: [{ name: 'app', env: [{ name: 'MODE', value: 'x' }] }] } } } },
      owner,
    );
    const containers = (await readObject<V1Deployment>(kube, deployment))?.spec?.template.spec?.containers ?? [];
    expect(containers.map((c) => [c.name, c.image, c.env?.[0]?.value])).toEqual([['app', 'registry.test/meshspec/echo:current', 'x']]);
  });

  it('sends patches as written: strategic-merge directives reach the server', async () => {
    await apply('apiVersion: v1\nkind: Service\nmetadata: {name: two-ports}\nspec:\n  ports: [{name: a, port: 80}, {name: b, port: 81}]\n');
    const id = { apiVersion: 'v1', kind: 'Service', name: 'two-ports', namespace: owner.namespace };
    await patchObject(kube, id, 'strategic', { spec: { ports: [{ port: 81, $patch: 'delete' }] } }, owner);
    expect((await kube.core.readNamespacedService({ name: 'two-ports', namespace: owner.namespace })).spec?.ports?.map((p) => p.name)).toEqual(['a']);
  });

  it('says when the object to patch does not exist', async () => {
    await expect(patchObject(kube, { ...service(), name: 'nope' }, 'merge', { metadata: { labels: { a: 'b' } } }, owner)).rejects.toThrow(
      `Service/nope in namespace ${owner.namespace} not found: create it in an earlier step or fix the reference`,
    );
  });
});

describe('delete', () => {
  it('deletes by kubectl short name, by selector, and by manifest, waiting until gone', async () => {
    await apply(
      `${echo('doomed')}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c1, labels: {tier: doomed}}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c2, labels: {tier: doomed}}\n`,
    );
    const options = { owner, wait: true, ...soon() };
    await deleteObjects(kube, await selectObjects(kube, { ref: 'deploy/doomed' }, owner.namespace), options);
    expect(await readObject(kube, { apiVersion: 'apps/v1', kind: 'Deployment', name: 'doomed', namespace: owner.namespace })).toBeUndefined();
    const configMaps = await selectObjects(kube, { type: 'cm', selector: 'tier=doomed' }, owner.namespace);
    expect(configMaps.map((c) => c.name).sort()).toEqual(['c1', 'c2']);
    await deleteObjects(kube, configMaps, options);
    expect(await selectObjects(kube, { type: 'configmaps', selector: 'tier=doomed' }, owner.namespace)).toEqual([]);
    const dir = await mkdtemp(join(tmpdir(), 'meshspec-delete-'));
    await writeFile(join(dir, 'svc.yaml'), echo('doomed').split('---')[1]!);
    await deleteObjects(kube, await selectObjects(kube, { manifests: await loadManifests('svc.yaml', dir, (t) => t) }, owner.namespace), options);
    expect(await readObject(kube, { apiVersion: 'v1', kind: 'Service', name: 'doomed', namespace: owner.namespace })).toBeUndefined();
  });

  it('says what is missing, like kubectl, and does not touch objects the user had', async () => {
    await expect(deleteObjects(kube, await selectObjects(kube, { ref: 'svc/never' }, owner.namespace), { owner, wait: true, ...soon() })).rejects.toThrow(
      `Service/never in namespace ${owner.namespace} not found, so it cannot be deleted`,
    );
    await expect(deleteObjects(kube, await selectObjects(kube, { ref: 'cm/users-config' }, 'default'), { owner, wait: true, ...soon() })).rejects.toThrow(
      'existed before this run',
    );
    expect(await readObject(kube, { apiVersion: 'v1', kind: 'ConfigMap', name: 'users-config', namespace: 'default' })).toBeDefined();
  });

  it('names an unknown type the way kubectl does', async () => {
    await expect(selectObjects(kube, { ref: 'gizmo/x' }, owner.namespace)).rejects.toThrow('the server doesn\'t have a resource type "gizmo"');
  });

  it('says which object it could not read, and which selector the server refused, in one line', async () => {
    await expect(
      deleteObjects(kube, [{ apiVersion: 'v1', kind: 'Gizmo', name: 'x', namespace: owner.namespace }], { owner, wait: true, ...soon() }),
    ).rejects.toThrow(new RegExp(`^deleting Gizmo/x in namespace ${owner.namespace} failed: Unrecognized API version and kind: v1 Gizmo$`));
    await expect(selectObjects(kube, { type: 'cm', selector: 'app in (x' }, owner.namespace)).rejects.toThrow(
      new RegExp(
        `^listing configmaps matching "app in \\(x" in namespace ${owner.namespace} failed: 400 BadRequest: unable to parse requirement: .*; write the selector as kubectl takes it`,
      ),
    );
  });
});

describe('teardown', () => {
  it('removes what the run created outside the namespace, then the namespace, and waits until all is gone', async () => {
    const applied = [
      { apiVersion: 'v1', kind: 'Namespace', name: 'kube-test-extra' },
      { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name: 'widgets.example.com' },
    ];
    await deleteScenarioResources(kube, applied, owner, soon());
    for (const id of [...applied, { apiVersion: 'v1', kind: 'Namespace', name: owner.namespace }]) {
      expect(await readObject(kube, id)).toBeUndefined();
    }
    expect(await readObject(kube, { apiVersion: 'v1', kind: 'Namespace', name: 'users-own' })).toBeDefined();
  });
});
