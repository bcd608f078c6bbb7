/** The kind provider's calls to docker and kind, against the fake tools in ./fakes. */
import { chmodSync, mkdtempSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProviderError } from '../../harness/contract/cluster.js';
import { checkPrerequisites, kubectlCheck } from '../../harness/providers/host/prerequisites.js';
import { dockerEngineCheck, kindCheck } from '../../harness/providers/kind/prerequisites.js';
import { configureNodesForRegistry, connectRegistryToKindNetwork, ensureRegistry, removeRegistry } from '../../harness/providers/kind/registry.js';
import { clusterExists, createCluster, listNodes } from '../../harness/providers/kind/cluster.js';
import { inspectContainer } from '../../harness/providers/kind/containers.js';
import { ensureEchoImage, sourceHash } from '../../harness/providers/kind/echo-image.js';
import { ensureExternalService, externalServiceNameCheck, removeExternalService } from '../../harness/providers/kind/external-service.js';
import { exportKindLogs } from '../../harness/providers/kind/diagnostics.js';
import { FakeWorld, FAKES_DIR } from './fake-world.js';

let world: FakeWorld;
beforeEach(() => {
  world = new FakeWorld();
});
afterEach(() => world.dispose());

describe('prerequisites', () => {
  it('reports what it found when docker and kind are there', async () => {
    await expect(checkPrerequisites([dockerEngineCheck('docker'), kindCheck('kind')])).resolves.toEqual(['Docker engine 29.0.1', 'kind 0.33.0']);
  });

  it('names every missing piece in one error, each with how to install it', async () => {
    world.update({ dockerEngine: 'down' });
    const error = await checkPrerequisites([dockerEngineCheck('docker'), kindCheck('/nonexistent/kind')]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    const { message, hint } = error as ProviderError;
    expect(message.split('\n')).toEqual([
      '- docker is installed but its engine is not reachable (Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?).',
      '- kind was not found (looked for `/nonexistent/kind`).',
    ]);
    expect(hint).toContain('sudo systemctl start docker');
    expect(hint).toContain('go install sigs.k8s.io/kind@v0.33.0');
    expect(hint).toContain('MESHSPEC_KIND');
  });

  it('still names every missing piece when a tool is there but cannot be run', async () => {
    world.update({ dockerEngine: 'down' });
    const notExecutable = join(world.dir, 'kind');
    writeFileSync(notExecutable, 'not a program');
    const error = await checkPrerequisites([dockerEngineCheck('docker'), kindCheck(notExecutable)]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    const { message, hint } = error as ProviderError;
    expect(message.split('\n')).toHaveLength(2);
    expect(message.split('\n')).toEqual([
      '- docker is installed but its engine is not reachable (Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?).',
      `- ${notExecutable} could not be started: spawn ${notExecutable} EACCES`,
    ]);
    expect(hint).toContain('sudo systemctl start docker');
    expect(hint).toContain(`chmod +x ${notExecutable}`);
  });

  it('finds kubectl and reads its client version from kubectl version --client --output=json', async () => {
    await expect(checkPrerequisites([kubectlCheck()])).resolves.toEqual(['kubectl v1.36.4']);
    expect(world.argsOf('kubectl')).toEqual([['version', '--client', '--output=json']]);
  });

  it('names a missing kubectl beside the other missing pieces, with where to get it', async () => {
    world.update({ dockerEngine: 'down' });
    const error = (await checkPrerequisites([dockerEngineCheck('docker'), kubectlCheck('/nonexistent/kubectl')]).catch((e: unknown) => e)) as ProviderError;
    expect(error.message.split('\n')).toEqual([
      '- docker is installed but its engine is not reachable (Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?).',
      '- kubectl was not found (looked for `/nonexistent/kubectl`).',
    ]);
    expect(error.hint!.split('\n')[1]).toBe(
      "- Install kubectl (https://kubernetes.io/docs/tasks/tools/#kubectl) and put it on PATH: scenarios' exec steps run it. Take one within one minor of the cluster's Kubernetes (Kubernetes version skew policy).",
    );
  });

  it('says so when what runs as kubectl reports no client version', async () => {
    const other = join(world.dir, 'kubectl');
    writeFileSync(other, '#!/bin/sh\necho "Client Version: v1.36.4"\n');
    chmodSync(other, 0o755);
    await expect(checkPrerequisites([kubectlCheck(other)])).rejects.toThrow(
      `\`${other} version --client --output=json\` did not report a client version: Client Version: v1.36.4`,
    );
  });

  it('refuses a kind older than the release the node images are built for', async () => {
    world.update({ kindVersion: 'v0.26.0' });
    await expect(checkPrerequisites([kindCheck('kind')])).rejects.toThrow('kind 0.26.0 is older than v0.33.0');
  });

  it('says docker is missing when it is not on PATH', async () => {
    await expect(checkPrerequisites([dockerEngineCheck(join(FAKES_DIR, 'no-docker-here'))])).rejects.toThrow(/docker was not found on PATH/);
  });

  it("refuses a container of the user's named meshspec-external, beside the other missing pieces, and how to proceed", async () => {
    world.update({
      kindVersion: 'v0.26.0',
      containers: { 'meshspec-external': { running: false, labels: {}, networks: ['bridge'], image: 'nginx', ip: '172.17.0.5' } },
    });
    const error = await checkPrerequisites([dockerEngineCheck('docker'), kindCheck('kind'), externalServiceNameCheck('docker')]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    const { message, hint } = error as ProviderError;
    expect(message.split('\n')).toEqual([
      '- kind 0.26.0 is older than v0.33.0, which the pinned node images need.',
      '- A container named meshspec-external exists that meshspec did not create (it lacks the label meshspec.dev/owned=true); meshspec runs the service outside the cluster under that name.',
    ]);
    expect(hint!.split('\n')[1]).toBe(
      '- Rename it (docker rename meshspec-external OTHER_NAME) or remove it (docker rm -f meshspec-external); meshspec will not touch it.',
    );
    expect(world.argsOf('docker', 'rm')).toEqual([]);
  });

  it("lets meshspec's own meshspec-external, or none, through without a word", async () => {
    const checks = [dockerEngineCheck('docker'), kindCheck('kind'), externalServiceNameCheck('docker')];
    await expect(checkPrerequisites(checks)).resolves.toEqual(['Docker engine 29.0.1', 'kind 0.33.0']);
    world.update({
      containers: { 'meshspec-external': { running: true, labels: { 'meshspec.dev/owned': 'true' }, networks: ['kind'], image: 'echo', ip: '172.18.0.9' } },
    });
    await expect(checkPrerequisites(checks)).resolves.toEqual(['Docker engine 29.0.1', 'kind 0.33.0']);
  });

  it('leaves a missing docker to the Docker engine check, named once', async () => {
    const docker = join(FAKES_DIR, 'no-docker-here');
    const error = await checkPrerequisites([dockerEngineCheck(docker), externalServiceNameCheck(docker)]).catch((e: unknown) => e);
    expect((error as ProviderError).message).toBe('- docker was not found on PATH.');
  });
});

describe('docker container inspect', () => {
  it("reads state, labels, addresses and published ports from docker's JSON", async () => {
    world.update({ networks: ['bridge', 'kind'] });
    await ensureRegistry('docker');
    await connectRegistryToKindNetwork('docker');
    const ip = world.state().containers['kind-registry'].ip;
    await expect(inspectContainer('docker', 'kind-registry')).resolves.toEqual({
      running: true,
      ownedByMeshspec: true,
      networks: { bridge: ip.replace(/^172\.18\./, '172.17.'), kind: ip },
      image: 'registry:3',
      published: { '5000/tcp': [{ hostIp: '127.0.0.1', hostPort: '5001' }] },
    });
    expect(world.argsOf('docker', 'container', 'inspect').at(-1)).toEqual(['container', 'inspect', '--format', '{{json .}}', 'kind-registry']);
  });

  it('sees no address and no published port on a stopped container, and no container where there is none', async () => {
    world.update({
      containers: {
        theirs: {
          running: false,
          labels: {},
          networks: ['bridge'],
          image: 'registry:2',
          ip: '172.17.0.4',
          published: { '5000/tcp': [{ HostIp: '', HostPort: '5000' }] },
        },
      },
    });
    await expect(inspectContainer('docker', 'theirs')).resolves.toEqual({
      running: false,
      ownedByMeshspec: false,
      networks: { bridge: '' },
      image: 'registry:2',
      published: {},
    });
    await expect(inspectContainer('docker', 'nothing-of-that-name')).resolves.toBeNull();
  });

  it("names the command and what it could not read when the output is not docker's inspect JSON", async () => {
    const other = join(world.dir, 'other-docker');
    writeFileSync(other, "#!/bin/sh\necho 'true|{}|{}|registry:3'\n");
    chmodSync(other, 0o755);
    const error = (await inspectContainer(other, 'kind-registry').catch((e: unknown) => e)) as ProviderError;
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.message).toMatch(
      new RegExp(`^\`${other} container inspect kind-registry\` printed what meshspec cannot read as Docker's container inspect JSON \\(`),
    );
    expect(error.hint).toContain(`docker container inspect --format '{{json .}}' kind-registry`);
  });
});

/** kind's guide publishes the registry's 5000/tcp on 127.0.0.1:5001 (kind-with-registry.sh). */
const GUIDE_PORTS = { '5000/tcp': [{ HostIp: '127.0.0.1', HostPort: '5001' }] };

describe('local registry', () => {
  it("runs registry:3 on 127.0.0.1:5001, labelled as meshspec's", async () => {
    await expect(ensureRegistry('docker')).resolves.toEqual({ created: true, ownedByMeshspec: true, wasStopped: false, host: 'localhost:5001' });
    expect(world.argsOf('docker', 'run')).toEqual([
      [
        'run',
        '-d',
        '--restart=always',
        '-p',
        '127.0.0.1:5001:5000',
        '--network',
        'bridge',
        '--name',
        'kind-registry',
        '--label',
        'meshspec.dev/owned=true',
        'registry:3',
      ],
    ]);
  });

  it('reuses a registry the user made, starting it if stopped, and records it is not ours', async () => {
    world.update({
      containers: { 'kind-registry': { running: false, labels: {}, networks: ['bridge'], image: 'registry:2', ip: '172.18.0.2', published: GUIDE_PORTS } },
    });
    await expect(ensureRegistry('docker')).resolves.toEqual({ created: false, ownedByMeshspec: false, wasStopped: true, host: 'localhost:5001' });
    expect(world.argsOf('docker', 'run')).toEqual([]);
    expect(world.argsOf('docker', 'start')).toEqual([['start', 'kind-registry']]);
  });

  it("uses the host port another tool's kind-registry publishes (here 5000 on every address), for nodes and pushes alike", async () => {
    const published = {
      '5000/tcp': [
        { HostIp: '0.0.0.0', HostPort: '5000' },
        { HostIp: '::', HostPort: '5000' },
      ],
    };
    world.update({
      containers: { 'kind-registry': { running: true, labels: {}, networks: ['bridge', 'kind'], image: 'registry:2', ip: '172.18.0.2', published } },
    });
    await expect(ensureRegistry('docker')).resolves.toMatchObject({ created: false, host: 'localhost:5000' });
    await configureNodesForRegistry('docker', ['meshspec-control-plane'], 'localhost:5000');
    expect(world.argsOf('docker', 'exec').map((args) => args.at(-1))).toEqual([
      '/etc/containerd/certs.d/localhost:5000',
      '/etc/containerd/certs.d/localhost:5000/hosts.toml',
    ]);
  });

  it('refuses a kind-registry that publishes its port only off loopback, naming the bindings, and stops it again if it was stopped', async () => {
    const published = { '5000/tcp': [{ HostIp: '192.168.1.7', HostPort: '5000' }] };
    world.update({ containers: { 'kind-registry': { running: false, labels: {}, networks: ['bridge'], image: 'registry:2', ip: '172.18.0.2', published } } });
    const error = (await ensureRegistry('docker').catch((e: unknown) => e)) as ProviderError;
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.message).toBe(
      'The container kind-registry publishes its registry port 5000/tcp only on 192.168.1.7:5000, so meshspec cannot push images to it through localhost.',
    );
    expect(error.hint).toContain('-p 127.0.0.1:5001:5000');
    expect(world.state().containers['kind-registry']).toMatchObject({ running: false, image: 'registry:2' });
    expect(world.argsOf('docker', 'rm')).toEqual([]);
  });

  it('refuses a kind-registry that publishes no port at all', async () => {
    world.update({ containers: { 'kind-registry': { running: true, labels: {}, networks: ['kind'], image: 'registry:3', ip: '172.18.0.2' } } });
    await expect(ensureRegistry('docker')).rejects.toThrow(
      'The container kind-registry publishes its registry port 5000/tcp on no host port, so meshspec cannot push images to it through localhost.',
    );
  });

  it('explains a port taken by something else and leaves no half-made container', async () => {
    world.update({ portsTaken: ['127.0.0.1:5001'] });
    const error = (await ensureRegistry('docker').catch((e: unknown) => e)) as ProviderError;
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.message).toBe('Port 127.0.0.1:5001 is taken by something else, so the local registry (kind-registry) cannot start.');
    expect(error.hint).toContain('lsof -i :5001');
    expect(world.state().containers).toEqual({});
  });

  it("removes the container its failed run created, whatever the failure, and reports docker's reason", async () => {
    const reason = 'docker: Error response from daemon: failed to create task for container: OCI runtime create failed: unable to start container process.';
    world.update({ runFails: reason });
    await expect(ensureRegistry('docker')).rejects.toThrow(`Could not start the local registry: ${reason}`);
    expect(world.state().containers).toEqual({});
    expect(world.argsOf('docker', 'rm')).toEqual([['rm', '-f', 'kind-registry']]);
  });

  it('joins the kind network once and writes hosts.toml on every node', async () => {
    world.update({ networks: ['bridge', 'kind'] });
    await ensureRegistry('docker');
    await connectRegistryToKindNetwork('docker');
    await connectRegistryToKindNetwork('docker');
    expect(world.argsOf('docker', 'network')).toEqual([['network', 'connect', 'kind', 'kind-registry']]);

    await configureNodesForRegistry('docker', ['meshspec-control-plane'], 'localhost:5001');
    const execs = world.calls('docker').filter((c) => c.args[0] === 'exec');
    expect(execs.map((c) => c.args)).toEqual([
      ['exec', 'meshspec-control-plane', 'mkdir', '-p', '/etc/containerd/certs.d/localhost:5001'],
      ['exec', '-i', 'meshspec-control-plane', 'cp', '/dev/stdin', '/etc/containerd/certs.d/localhost:5001/hosts.toml'],
    ]);
    expect(execs[1].stdin).toBe('[host."http://kind-registry:5000"]\n');
  });

  it('removes the registry container', async () => {
    await ensureRegistry('docker');
    await removeRegistry('docker');
    expect(world.state().containers['kind-registry']).toBeUndefined();
  });
});

describe('cluster', () => {
  const spec = (kubeconfig: string) => ({
    kind: 'kind',
    name: 'meshspec',
    configPath: '/repo/clusters/kind.yaml',
    nodeImage: 'kindest/node:v1.36.4@sha256:abc',
    kubeconfig,
  });

  it('creates the cluster with the config, the pinned node image and its own kubeconfig', async () => {
    const kubeconfig = join(world.dir, 'kube', 'config');
    await expect(createCluster(spec(kubeconfig))).resolves.toBe(true);
    expect(world.argsOf('kind', 'create')).toEqual([
      [
        'create',
        'cluster',
        '--name',
        'meshspec',
        '--config',
        '/repo/clusters/kind.yaml',
        '--image',
        'kindest/node:v1.36.4@sha256:abc',
        '--kubeconfig',
        kubeconfig,
        '--wait',
        '120s',
      ],
    ]);
    await expect(clusterExists('kind', 'meshspec')).resolves.toBe(true);
    await expect(listNodes('kind', 'meshspec')).resolves.toEqual(['meshspec-control-plane']);
  });

  it('answers false instead of failing when the cluster already exists', async () => {
    world.update({ clusters: ['meshspec'] });
    await expect(createCluster(spec(join(world.dir, 'kubeconfig')))).resolves.toBe(false);
  });

  it('names the cluster it could not create in the hint that removes it', async () => {
    const error = await createCluster({ ...spec(join(world.dir, 'kubeconfig')), kind: '/bin/false', name: 'mine' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).message).toMatch(/^kind could not create cluster "mine"/);
    expect((error as ProviderError).hint).toContain('kind delete cluster --name mine');
  });

  it('removes what a failed creation left of the cluster', async () => {
    world.update({ createFails: 'ERROR: failed to create cluster: failed to init node with kubeadm: exit status 1' });
    const kubeconfig = join(world.dir, 'kubeconfig');
    await expect(createCluster({ ...spec(kubeconfig), name: 'mine' })).rejects.toThrow('kind could not create cluster "mine": ERROR: failed to create cluster');
    expect(world.argsOf('kind', 'delete')).toEqual([['delete', 'cluster', '--name', 'mine', '--kubeconfig', kubeconfig]]);
    expect(world.state().clusters).toEqual([]);
  });

  it('names the ingress ports when another cluster holds them', async () => {
    world.update({
      createFails: [
        'ERROR: failed to create cluster: command "docker run --name meshspec-control-plane ..." failed with error: exit status 125',
        'Command Output: docker: Error response from daemon: driver failed programming external connectivity on endpoint meshspec-control-plane (5c1e): Bind for 127.0.0.1:30080 failed: port is already allocated.',
      ].join('\n'),
    });
    const error = (await createCluster(spec(join(world.dir, 'kubeconfig'))).catch((e: unknown) => e)) as ProviderError;
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.hint).toBe(
      "The ingress gateway's ports 127.0.0.1:30080 and 127.0.0.1:30443 (clusters/kind.yaml) must be free; another kind cluster may hold them: `docker ps --filter publish=30080`.",
    );
  });

  it('knows when there is no cluster', async () => {
    await expect(clusterExists('kind', 'meshspec')).resolves.toBe(false);
  });

  it('answers no logs, instead of failing, when kind cannot be run: cleanup after a failed setup comes next', async () => {
    const notExecutable = join(world.dir, 'kind');
    writeFileSync(notExecutable, 'not a program');
    await expect(exportKindLogs(mkdtempSync(join(tmpdir(), 'meshspec-artifacts-')), 'meshspec', notExecutable)).resolves.toBeNull();
  });

  it('exports kind logs under the artifacts directory', async () => {
    const artifacts = mkdtempSync(join(tmpdir(), 'meshspec-artifacts-'));
    await expect(exportKindLogs(artifacts, 'meshspec', 'kind')).resolves.toBe(join(artifacts, 'kind-logs'));
    expect(world.argsOf('kind', 'export', 'logs')).toEqual([['export', 'logs', join(artifacts, 'kind-logs'), '--name', 'meshspec']]);
    expect(readdirSync(join(artifacts, 'kind-logs'))).toEqual(['kind-version.txt']);
  });
});

describe('echo image', () => {
  function echoApp(): string {
    const root = mkdtempSync(join(tmpdir(), 'meshspec-root-'));
    mkdirSync(join(root, 'apps', 'echo', 'src'), { recursive: true });
    mkdirSync(join(root, 'apps', 'echo', 'node_modules'), { recursive: true });
    writeFileSync(join(root, 'apps', 'echo', 'Dockerfile'), 'FROM node:24-alpine\n');
    writeFileSync(join(root, 'apps', 'echo', 'src', 'main.ts'), 'console.log(1)\n');
    return root;
  }

  it('tags by a hash of the sources that ignores node_modules and follows edits', async () => {
    const root = echoApp();
    const dir = join(root, 'apps', 'echo');
    const first = await sourceHash(dir);
    expect(first).toMatch(/^[0-9a-f]{12}$/);
    writeFileSync(join(dir, 'node_modules', 'x.js'), 'ignored');
    expect(await sourceHash(dir)).toBe(first);
    writeFileSync(join(dir, 'src', 'main.ts'), 'console.log(2)\n');
    expect(await sourceHash(dir)).not.toBe(first);
  });

  it('builds and pushes once, then finds the tag in the registry and skips', async () => {
    const root = echoApp();
    const reference = `localhost:5001/meshspec/echo:${await sourceHash(join(root, 'apps', 'echo'))}`;
    await expect(ensureEchoImage('docker', root, 'localhost:5001')).resolves.toEqual({ reference, built: true });
    expect(world.argsOf('docker', 'build')).toEqual([['build', '-t', reference, join(root, 'apps', 'echo')]]);
    expect(world.argsOf('docker', 'push')).toEqual([['push', reference]]);

    await expect(ensureEchoImage('docker', root, 'localhost:5001')).resolves.toEqual({ reference, built: false });
    expect(world.argsOf('docker', 'build')).toHaveLength(1);
    expect(world.argsOf('docker', 'manifest')).toEqual([
      ['manifest', 'inspect', '--insecure', reference],
      ['manifest', 'inspect', '--insecure', reference],
    ]);
  });
});

describe('external service', () => {
  it('runs the echo image on the kind network and answers its address there', async () => {
    world.update({ networks: ['bridge', 'kind'] });
    const ip = await ensureExternalService('docker', 'localhost:5001/meshspec/echo:abc');
    expect(ip).toMatch(/^172\.18\.0\.\d+$/);
    expect(world.argsOf('docker', 'run')).toEqual([
      [
        'run',
        '-d',
        '--name',
        'meshspec-external',
        '--network',
        'kind',
        '--label',
        'meshspec.dev/owned=true',
        '--sysctl',
        'net.ipv4.ip_unprivileged_port_start=0',
        'localhost:5001/meshspec/echo:abc',
        '--service',
        'external',
        '--port',
        '80',
      ],
    ]);
    await ensureExternalService('docker', 'localhost:5001/meshspec/echo:abc');
    expect(world.argsOf('docker', 'run')).toHaveLength(1);
    await removeExternalService('docker');
    expect(world.state().containers['meshspec-external']).toBeUndefined();
  });

  it('leaves a container of the same name that meshspec did not create alone', async () => {
    world.update({ containers: { 'meshspec-external': { running: true, labels: {}, networks: ['kind'], image: 'nginx', ip: '172.18.0.9' } } });
    await expect(ensureExternalService('docker', 'localhost:5001/meshspec/echo:abc')).rejects.toThrow('meshspec-external exists that meshspec did not create');
    await removeExternalService('docker');
    expect(world.state().containers['meshspec-external']).toBeDefined();
  });
});

describe('local registry created by someone else at the same moment', () => {
  it('leaves the container whose name it lost the race for, and says to re-run', async () => {
    const theirs = { running: true, labels: { 'meshspec.dev/owned': 'true' }, networks: ['bridge'], image: 'registry:3', ip: '172.18.0.3' };
    world.update({ createdBeforeRun: { 'kind-registry': theirs } });
    const error = (await ensureRegistry('docker').catch((e: unknown) => e)) as ProviderError;
    expect(error).toBeInstanceOf(ProviderError);
    expect(error.message).toBe(
      "Another process created the container kind-registry between meshspec's check and its `docker run` (often another meshspec run creating its registry); meshspec left it alone.",
    );
    expect(error.hint).toBe('Re-run: meshspec reuses the kind-registry that is there now. If another meshspec run is still starting, let it finish first.');
    expect(world.state().containers).toEqual({ 'kind-registry': theirs });
    expect(world.argsOf('docker', 'rm')).toEqual([]);
  });
});
