/** The embedded cluster driven by kubectl itself, the acceptance flow of the sim issue. */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPassthroughDataPlane, startSim, type SimCluster } from './index.js';

const KUBECTL = process.env.KUBECTL ?? '/usr/bin/kubectl';
const FIXTURE = fileURLToPath(new URL('./kubelet/__fixtures__/echo-fixture.mjs', import.meta.url));

const MANIFEST = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: backend
spec:
  replicas: 2
  selector:
    matchLabels: {app: backend}
  template:
    metadata:
      labels: {app: backend}
    spec:
      containers:
      - name: echo
        image: localhost:5001/meshspec/echo:dev
        ports: [{containerPort: 8080, name: http}]
---
apiVersion: v1
kind: Service
metadata:
  name: backend
spec:
  selector: {app: backend}
  ports: [{name: http, port: 80, targetPort: http}]
`;

let sim: SimCluster;
let dir: string;

async function kubectl(...args: string[]): Promise<string> {
  const result = await execa(KUBECTL, ['--kubeconfig', sim.kubeconfigPath, '--cache-dir', join(dir, 'cache'), ...args], { reject: false, timeout: 30_000 });
  if (result.exitCode !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${result.exitCode}): ${result.stderr}`);
  return result.stdout;
}

describe.skipIf(!existsSync(KUBECTL))('kubectl against the embedded cluster', () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'meshspec-sim-kubectl-'));
    await writeFile(join(dir, 'app.yaml'), MANIFEST);
    sim = await startSim({ istioProfile: 'demo', echoEntry: FIXTURE, dataPlane: createPassthroughDataPlane, kubeconfigPath: join(dir, 'kubeconfig') });
  });

  afterAll(async () => {
    await sim?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('applies, waits, rolls out, injects, patches, labels, watches and deletes as on a real cluster', async () => {
    expect(await kubectl('get', 'ns')).toMatch(/istio-system\s+Active/);
    expect(await kubectl('apply', '--server-side', '-f', join(dir, 'app.yaml'))).toBe(
      'deployment.apps/backend serverside-applied\nservice/backend serverside-applied',
    );
    expect(await kubectl('wait', '--for=condition=Available', 'deploy/backend', '--timeout=20s')).toBe('deployment.apps/backend condition met');
    expect(await kubectl('rollout', 'status', 'deploy/backend', '--timeout=20s')).toContain('deployment "backend" successfully rolled out');
    const wide = await kubectl('get', 'pods', '-l', 'app=backend', '-o', 'wide');
    expect(wide.split('\n')[0]).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE/);
    expect(
      wide
        .split('\n')
        .slice(1)
        .filter((l) => /1\/1\s+Running\s+0\s+\S+\s+10\.244\.\d+\.\d+\s+meshspec-sim/.test(l)),
    ).toHaveLength(2);

    expect(await kubectl('label', 'ns', 'default', 'istio-injection=enabled')).toBe('namespace/default labeled');
    const victim = (await kubectl('get', 'pods', '-l', 'app=backend', '-o', 'jsonpath={.items[0].metadata.name}')).trim();
    await kubectl('delete', 'pod', victim);
    await kubectl('wait', '--for=condition=Ready', 'pod', '-l', 'app=backend', '--timeout=20s');
    // Native sidecars, as on kind: the kubelet is >= 1.33 (pkg/kube/inject/webhook.go DetectNativeSidecar).
    const containers = await kubectl('get', 'pods', '-l', 'app=backend', '-o', 'jsonpath={range .items[*]}{.spec.initContainers[*].name};{end}');
    expect(containers.split(';').sort()).toEqual(['', '', 'istio-init istio-proxy']);

    await kubectl('patch', 'svc', 'backend', '--type', 'json', '-p', '[{"op":"replace","path":"/spec/ports/0/port","value":8000}]');
    expect(await kubectl('get', 'svc', 'backend', '-o', 'jsonpath={.spec.ports[0].port}')).toBe('8000');
    expect(await kubectl('get', 'virtualservices', '-A')).toBe('');
    // istiod's webhook accepts a subset no DestinationRule defines, and warns about an abort without a status (validation.go @1.30.3).
    await writeFile(
      join(dir, 'route.yaml'),
      'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: backend}\nspec:\n  hosts: [backend]\n  http:\n  - fault: {abort: {percentage: {value: 10}}}\n    route:\n    - destination: {host: backend, subset: v9}\n',
    );
    const applied = await execa(KUBECTL, [
      '--kubeconfig',
      sim.kubeconfigPath,
      '--cache-dir',
      join(dir, 'cache'),
      'apply',
      '--server-side',
      '-f',
      join(dir, 'route.yaml'),
    ]);
    expect(applied.stderr).toBe('Warning: abort configured, but error type not set');
    expect(await kubectl('get', 'vs')).toMatch(/^NAME\s+GATEWAYS\s+HOSTS\s+AGE\nbackend\s+\["backend"\]/);

    const watcher = execa(KUBECTL, ['--kubeconfig', sim.kubeconfigPath, '--cache-dir', join(dir, 'cache'), 'get', 'configmaps', '-w', '--no-headers'], {
      reject: false,
    });
    let seen = '';
    watcher.stdout!.on('data', (chunk) => (seen += chunk));
    await expect.poll(() => seen, { timeout: 10_000 }).toContain('kube-root-ca.crt');
    await kubectl('create', 'configmap', 'watched', '--from-literal=a=1');
    await expect.poll(() => seen, { timeout: 10_000 }).toContain('watched');
    watcher.kill();
    await watcher;

    await kubectl('apply', '--server-side', '-n', 'default', '-f', join(dir, 'app.yaml'));
    await kubectl('create', 'namespace', 'scratch');
    await kubectl('create', 'secret', 'generic', 'creds', '-n', 'scratch', '--from-literal=pw=hunter2');
    expect(await kubectl('get', 'secret', 'creds', '-n', 'scratch', '-o', 'jsonpath={.data.pw}')).toBe(Buffer.from('hunter2').toString('base64'));
    expect(await kubectl('delete', 'ns', 'scratch')).toBe('namespace "scratch" deleted');
    await expect(kubectl('get', 'ns', 'scratch')).rejects.toThrow(/namespaces "scratch" not found/);
  });

  it('deletes gracefully: Terminating namespaces refuse content, finalizers hold objects, delete --wait and wait --for=delete finish', async () => {
    await kubectl('create', 'namespace', 'doomed');
    await kubectl('apply', '--server-side', '-n', 'doomed', '-f', join(dir, 'app.yaml'));
    await kubectl('wait', '-n', 'doomed', '--for=condition=Available', 'deploy/backend', '--timeout=20s');
    await kubectl('create', 'configmap', 'held', '-n', 'doomed', '--from-literal=a=1');
    await kubectl('patch', 'configmap', 'held', '-n', 'doomed', '--type=merge', '-p', '{"metadata":{"finalizers":["example.com/hold"]}}');

    const watcher = execa(
      KUBECTL,
      [
        '--kubeconfig',
        sim.kubeconfigPath,
        '--cache-dir',
        join(dir, 'cache'),
        'get',
        'configmap',
        'held',
        '-n',
        'doomed',
        '-w',
        '--output-watch-events',
        '-o',
        'jsonpath={.type} {.object.metadata.deletionTimestamp}{"\\n"}',
      ],
      { reject: false },
    );
    let seen = '';
    watcher.stdout!.on('data', (chunk) => (seen += chunk));
    await expect.poll(() => seen, { timeout: 10_000 }).toMatch(/^ADDED\s*$/m);

    expect(await kubectl('delete', 'ns', 'doomed', '--wait=false')).toBe('namespace "doomed" deleted');
    expect(await kubectl('get', 'ns', 'doomed', '--no-headers')).toMatch(/^doomed\s+Terminating/);
    await expect(kubectl('create', 'configmap', 'late', '-n', 'doomed')).rejects.toThrow(
      'configmaps "late" is forbidden: unable to create new content in namespace doomed because it is being terminated',
    );
    await expect
      .poll(() => kubectl('get', 'ns', 'doomed', '-o', 'jsonpath={.status.conditions[?(@.type=="NamespaceFinalizersRemaining")].message}'), { timeout: 10_000 })
      .toBe('Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances');
    expect(await kubectl('get', 'pods', '-n', 'doomed', '-o', 'name')).toBe('');
    await expect(kubectl('wait', '--for=delete', 'ns/doomed', '--timeout=1s')).rejects.toThrow(/timed out/);

    const waiting = kubectl('wait', '--for=delete', 'ns/doomed', '--timeout=20s');
    // Usually lets kubectl's wait start first; one that finds the namespace already gone succeeds silently.
    await new Promise((r) => setTimeout(r, 1000));
    await kubectl('patch', 'configmap', 'held', '-n', 'doomed', '--type=merge', '-p', '{"metadata":{"finalizers":null}}');
    expect(['namespace/doomed condition met', '']).toContain(await waiting);
    await expect(kubectl('get', 'ns', 'doomed')).rejects.toThrow(/namespaces "doomed" not found/);
    await expect.poll(() => seen, { timeout: 10_000 }).toMatch(/^MODIFIED \S+Z\s*\nDELETED \S+Z\s*$/m);
    watcher.kill();
    await watcher;

    // The default: delete waits until the namespace, its pods stopped, is gone.
    await kubectl('create', 'namespace', 'brief');
    await kubectl('apply', '--server-side', '-n', 'brief', '-f', join(dir, 'app.yaml'));
    await kubectl('wait', '-n', 'brief', '--for=condition=Available', 'deploy/backend', '--timeout=20s');
    expect(await kubectl('delete', 'ns', 'brief', '--timeout=20s')).toBe('namespace "brief" deleted');
    await expect(kubectl('get', 'ns', 'brief')).rejects.toThrow(/namespaces "brief" not found/);
  });

  it('drops the node ports a type change to ClusterIP leaves as they were, and refuses nodePort set on a ClusterIP Service', async () => {
    const service = (type: string, ports: string) =>
      `apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: svc-types}\nspec: {type: ${type}, selector: {app: web}, ports: ${ports}}\n`;
    await kubectl('create', 'namespace', 'svc-types');
    await writeFile(join(dir, 'nodeport.yaml'), service('NodePort', '[{name: http, port: 80}]'));
    await kubectl('apply', '-f', join(dir, 'nodeport.yaml'));
    const nodePort = JSON.parse(await kubectl('get', 'svc', 'web', '-n', 'svc-types', '-o', 'json')).spec.ports[0].nodePort as number;
    expect(nodePort).toBeGreaterThanOrEqual(30000);

    // What a real server does with `kubectl patch -p '{"spec":{"type":"ClusterIP"}}'`: the kept nodePort and externalTrafficPolicy go.
    await kubectl('patch', 'svc', 'web', '-n', 'svc-types', '-p', '{"spec":{"type":"ClusterIP"}}');
    const patched = JSON.parse(await kubectl('get', 'svc', 'web', '-n', 'svc-types', '-o', 'json')).spec;
    expect(patched.type).toBe('ClusterIP');
    expect(patched.ports).toEqual([{ name: 'http', port: 80, protocol: 'TCP', targetPort: 80 }]);
    expect(patched.externalTrafficPolicy).toBeUndefined();

    // A nodePort the update asks for anew is the user's, and a ClusterIP Service may not have one.
    await kubectl('patch', 'svc', 'web', '-n', 'svc-types', '-p', '{"spec":{"type":"NodePort"}}');
    const changed = JSON.parse(await kubectl('get', 'svc', 'web', '-n', 'svc-types', '-o', 'json')).spec.ports[0].nodePort as number;
    const other = changed === 32000 ? 32001 : 32000;
    await expect(
      kubectl('patch', 'svc', 'web', '-n', 'svc-types', '-p', JSON.stringify({ spec: { type: 'ClusterIP', ports: [{ port: 80, nodePort: other }] } })),
    ).rejects.toThrow('The Service "web" is invalid: spec.ports[0].nodePort: Forbidden: may not be used when `type` is \'ClusterIP\'');

    await writeFile(join(dir, 'clusterip.yaml'), service('ClusterIP', '[{name: http, port: 80, nodePort: 30080}]').replace('name: web', 'name: web-new'));
    await expect(kubectl('apply', '-f', join(dir, 'clusterip.yaml'))).rejects.toThrow(
      'The Service "web-new" is invalid: spec.ports[0].nodePort: Forbidden: may not be used when `type` is \'ClusterIP\'',
    );
    await kubectl('delete', 'namespace', 'svc-types', '--wait=false');
  });

  it('refuses a wrong token, unknown kinds and mistyped fields the way kubectl reports them from a real server', async () => {
    await writeFile(join(dir, 'typo.yaml'), MANIFEST.replace('replicas: 2', 'replica: 2'));
    await expect(kubectl('apply', '--server-side', '-f', join(dir, 'typo.yaml'))).rejects.toThrow(/strict decoding error: unknown field "spec.replica"/);
    await expect(kubectl('--token', 'wrong', 'get', 'ns')).rejects.toThrow(/Unauthorized/);
    await writeFile(join(dir, 'widget.yaml'), 'apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n');
    await expect(kubectl('apply', '--server-side', '-f', join(dir, 'widget.yaml'))).rejects.toThrow(
      /no matches for kind "Widget" in version "example.com\/v1"/,
    );
  });

  it('refuses externalTrafficPolicy set on a Service that is not externally accessible, as ValidateService does', async () => {
    const service = (name: string, spec: string) =>
      `apiVersion: v1\nkind: Service\nmetadata: {name: ${name}, namespace: svc-etp}\nspec: {selector: {app: web}, ports: [{name: http, port: 80}], ${spec}}\n`;
    await kubectl('create', 'namespace', 'svc-etp');
    await writeFile(join(dir, 'etp-clusterip.yaml'), service('web', 'type: ClusterIP, externalTrafficPolicy: Local'));
    await expect(kubectl('apply', '-f', join(dir, 'etp-clusterip.yaml'))).rejects.toThrow(
      'The Service "web" is invalid: spec.externalTrafficPolicy: Invalid value: "Local": may only be set for externally-accessible services',
    );
    await writeFile(join(dir, 'etp-externalname.yaml'), service('db', 'type: ExternalName, externalName: db.example.com, externalTrafficPolicy: Cluster'));
    await expect(kubectl('apply', '-f', join(dir, 'etp-externalname.yaml'))).rejects.toThrow(
      'The Service "db" is invalid: spec.externalTrafficPolicy: Invalid value: "Cluster": may only be set for externally-accessible services',
    );

    // Externally accessible: NodePort, and ClusterIP with externalIPs.
    await writeFile(join(dir, 'etp-nodeport.yaml'), service('web', 'type: NodePort, externalTrafficPolicy: Local'));
    await kubectl('apply', '-f', join(dir, 'etp-nodeport.yaml'));
    await writeFile(join(dir, 'etp-externalips.yaml'), service('ips', 'type: ClusterIP, externalIPs: [192.0.2.10], externalTrafficPolicy: Local'));
    await kubectl('apply', '-f', join(dir, 'etp-externalips.yaml'));
    // A type change to ClusterIP that sets the policy anew is the user's, and refused.
    await expect(kubectl('patch', 'svc', 'web', '-n', 'svc-etp', '-p', '{"spec":{"type":"ClusterIP","externalTrafficPolicy":"Cluster"}}')).rejects.toThrow(
      'The Service "web" is invalid: spec.externalTrafficPolicy: Invalid value: "Cluster": may only be set for externally-accessible services',
    );
    await kubectl('delete', 'namespace', 'svc-etp', '--wait=false');
  });

  it('refuses a nodePort another Service holds, naming the port by its index as a real server does', async () => {
    await kubectl('create', 'namespace', 'svc-taken');
    await writeFile(
      join(dir, 'first.yaml'),
      'apiVersion: v1\nkind: Service\nmetadata: {name: first, namespace: svc-taken}\nspec: {type: NodePort, selector: {app: web}, ports: [{name: http, port: 80}]}\n',
    );
    await kubectl('apply', '-f', join(dir, 'first.yaml'));
    const taken = JSON.parse(await kubectl('get', 'svc', 'first', '-n', 'svc-taken', '-o', 'json')).spec.ports[0].nodePort as number;
    await writeFile(
      join(dir, 'second.yaml'),
      `apiVersion: v1\nkind: Service\nmetadata: {name: second, namespace: svc-taken}\nspec: {type: NodePort, selector: {app: web}, ports: [{name: http, port: 80}, {name: https, port: 443, nodePort: ${taken}}]}\n`,
    );
    await expect(kubectl('apply', '-f', join(dir, 'second.yaml'))).rejects.toThrow(
      `The Service "second" is invalid: spec.ports[1].nodePort: Invalid value: ${taken}: provided port is already allocated`,
    );
    await kubectl('delete', 'namespace', 'svc-taken', '--wait=false');
  });
});
