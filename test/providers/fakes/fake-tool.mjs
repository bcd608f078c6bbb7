// Stand-ins for docker, kind, istioctl and kubectl that answer like the real tools (same stdout, stderr
// and exit codes for the calls meshspec makes) and record every call. State lives in
// $MESHSPEC_FAKE_DIR/state.json so a test can set up a world (a registry that exists, a port
// that is taken, a cluster the user made) and look at it afterwards; calls go to calls.jsonl.
// Each command branch names the source of its answer and its row in docs/real-contacts.md
// (test/providers/real-contacts.test.ts checks that none is missing).
import { createHash } from 'node:crypto';
import { appendFileSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [tool, ...args] = process.argv.slice(2);
const dir = process.env.MESHSPEC_FAKE_DIR;
if (!dir) {
  process.stderr.write('MESHSPEC_FAKE_DIR is not set\n');
  process.exit(2);
}
const statePath = join(dir, 'state.json');
const state = JSON.parse(readFileSync(statePath, 'utf8'));
const stdin = args.includes('-i') ? readFileSync(0, 'utf8') : undefined;
appendFileSync(join(dir, 'calls.jsonl'), `${JSON.stringify({ tool, args, stdin, KUBECONFIG: process.env.KUBECONFIG })}\n`);

function finish(code, stdout = '', stderr = '') {
  // Renamed into place: the prerequisite checks run docker and kind at the same time, and a
  // reader must never see a half-written file.
  writeFileSync(`${statePath}.${process.pid}`, JSON.stringify(state, null, 2));
  renameSync(`${statePath}.${process.pid}`, statePath);
  if (stdout) process.stdout.write(stdout.endsWith('\n') ? stdout : `${stdout}\n`);
  if (stderr) process.stderr.write(stderr.endsWith('\n') ? stderr : `${stderr}\n`);
  process.exit(code);
}

function flag(name, list = args) {
  const i = list.indexOf(name);
  return i === -1 ? undefined : list[i + 1];
}

function allFlags(name) {
  return args.flatMap((a, i) => (a === name ? [args[i + 1]] : []));
}

const sha256 = (text) => createHash('sha256').update(text).digest('hex');

/**
 * `docker run -p` values as the daemon records them: "127.0.0.1:5001:5000" -> { "5000/tcp":
 * [{ HostIp: "127.0.0.1", HostPort: "5001" }] }; without an address the port is published on
 * every IPv4 and IPv6 address.
 */
function portBindings(publish) {
  const bindings = {};
  for (const spec of publish) {
    const parts = spec.split(':');
    const containerPort = parts.pop();
    const hostPort = parts.pop() ?? '';
    const key = containerPort.includes('/') ? containerPort : `${containerPort}/tcp`;
    const hostIps = parts.length ? [parts.join(':')] : ['0.0.0.0', '::'];
    bindings[key] = [...(bindings[key] ?? []), ...hostIps.map((HostIp) => ({ HostIp, HostPort: hostPort }))];
  }
  return bindings;
}

/**
 * What `docker container inspect --format '{{json .}}'` prints: the Engine API's
 * ContainerInspectResponse (moby/moby@docker-v29.7.2 api/swagger.yaml; Go types in
 * api/types/container/container.go, network_settings.go, api/types/network/endpoint.go and
 * port.go), with the fields every container has. The daemon clears NetworkSettings' ports and
 * addresses when a container stops; HostConfig.PortBindings keeps what `-p` asked for.
 */
function inspectResponse(name, c) {
  const id = sha256(name);
  const running = c.running;
  const published = c.published ?? {};
  const endpoint = (network) => ({
    IPAMConfig: null,
    Links: null,
    Aliases: null,
    MacAddress: running ? '02:42:ac:12:00:0a' : '',
    DriverOpts: null,
    GwPriority: 0,
    NetworkID: sha256(network),
    EndpointID: running ? sha256(`${name}/${network}`) : '',
    Gateway: running ? (network === 'kind' ? '172.18.0.1' : '172.17.0.1') : '',
    IPAddress: running ? (network === 'kind' ? c.ip : c.ip.replace(/^172\.18\./, '172.17.')) : '',
    IPPrefixLen: running ? 16 : 0,
    IPv6Gateway: '',
    GlobalIPv6Address: '',
    GlobalIPv6PrefixLen: 0,
    DNSNames: network === 'bridge' ? null : [name, id.slice(0, 12)],
  });
  return {
    Id: id,
    Created: '2026-11-20T09:14:03.512345678Z',
    Path: c.image.startsWith('registry') ? '/entrypoint.sh' : 'node',
    Args: c.command ?? [],
    State: {
      Status: running ? 'running' : 'exited',
      Running: running,
      Paused: false,
      Restarting: false,
      OOMKilled: false,
      Dead: false,
      Pid: running ? 4242 : 0,
      ExitCode: 0,
      Error: '',
      StartedAt: '2026-11-20T09:14:04.101234567Z',
      FinishedAt: running ? '0001-01-01T00:00:00Z' : '2026-11-20T10:02:17.918273645Z',
    },
    Image: `sha256:${sha256(c.image)}`,
    ResolvConfPath: `/var/lib/docker/containers/${id}/resolv.conf`,
    HostnamePath: `/var/lib/docker/containers/${id}/hostname`,
    HostsPath: `/var/lib/docker/containers/${id}/hosts`,
    LogPath: `/var/lib/docker/containers/${id}/${id}-json.log`,
    Name: `/${name}`,
    RestartCount: 0,
    Driver: 'overlayfs',
    Platform: 'linux',
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: 'docker-default',
    ExecIDs: null,
    HostConfig: { NetworkMode: c.networks[0], PortBindings: published, RestartPolicy: { Name: 'no', MaximumRetryCount: 0 } },
    Mounts: [],
    Config: {
      Hostname: id.slice(0, 12),
      Domainname: '',
      User: '',
      Tty: false,
      OpenStdin: false,
      ExposedPorts: Object.fromEntries(Object.keys(published).map((port) => [port, {}])),
      Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
      Cmd: c.command ?? null,
      Image: c.image,
      Volumes: null,
      WorkingDir: '',
      Entrypoint: null,
      Labels: c.labels,
    },
    NetworkSettings: {
      SandboxID: running ? sha256(`sandbox/${name}`) : '',
      SandboxKey: running ? `/var/run/docker/netns/${id.slice(0, 12)}` : '',
      Ports: running ? published : {},
      Networks: Object.fromEntries(c.networks.map((network) => [network, endpoint(network)])),
    },
  };
}

function docker() {
  const [command, ...rest] = args;
  const containers = state.containers;
  switch (command) {
    // docker info: moby@docker-v29.7.2 api/swagger.yaml SystemInfo.ServerVersion, client/errors.go l. 40 (docs/real-contacts.md#docker)
    case 'info':
      if (state.dockerEngine === 'down') {
        return finish(1, '', 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?');
      }
      return finish(0, '29.0.1');
    // docker container inspect: moby@docker-v29.7.2 api/swagger.yaml ContainerInspectResponse, daemon/container/view.go l. 130 (docs/real-contacts.md#docker)
    case 'container': {
      const name = rest[rest.length - 1];
      const c = containers[name];
      if (!c) return finish(1, '', `Error: No such container: ${name}`);
      if (flag('--format') !== '{{json .}}') return finish(1, '', `fake docker: container inspect answers --format '{{json .}}' only, not ${flag('--format')}`);
      return finish(0, JSON.stringify(inspectResponse(name, c)));
    }
    // docker run: kind@v0.32.0 site/static/examples/kind-with-registry.sh; moby@docker-v29.7.2 daemon/errors.go l. 63, portallocator.go l. 34 (docs/real-contacts.md#docker)
    case 'run': {
      const name = flag('--name');
      Object.assign(containers, state.createdBeforeRun);
      delete state.createdBeforeRun;
      if (containers[name]) {
        return finish(125, '', `docker: Error response from daemon: Conflict. The container name "/${name}" is already in use by container "0f1e2d".`);
      }
      const labels = Object.fromEntries(allFlags('--label').map((l) => l.split('=')));
      const valueFlags = new Set(['--name', '--label', '-p', '--network', '--restart', '--sysctl', '-e']);
      let i = 1;
      while (i < args.length && args[i].startsWith('-')) i += valueFlags.has(args[i]) && !args[i].includes('=') ? 2 : 1;
      const image = args[i];
      const publish = flag('-p');
      const portTaken = publish && state.portsTaken.includes(publish.split(':').slice(0, 2).join(':'));
      const started = !portTaken && !state.runFails;
      // docker run creates the container, then starts it: a failed start leaves it created.
      containers[name] = {
        running: started,
        labels,
        networks: [flag('--network') ?? 'bridge'],
        image,
        ip: `172.18.0.${10 + Object.keys(containers).length}`,
        command: args.slice(i + 1),
        published: portBindings(allFlags('-p')),
      };
      if (state.runFails && !portTaken) return finish(125, '', state.runFails);
      if (!started) {
        return finish(
          125,
          '',
          `docker: Error response from daemon: driver failed programming external connectivity on endpoint ${name} (3f2a): Bind for ${publish.split(':').slice(0, 2).join(':')} failed: port is already allocated.`,
        );
      }
      return finish(0, `c0ffee${name}`);
    }
    // docker start: docs.docker.com/reference/cli/docker/container/start/ (docs/real-contacts.md#docker)
    case 'start':
      containers[rest[0]].running = true;
      return finish(0, rest[0]);
    // docker stop: docs.docker.com/reference/cli/docker/container/stop/ (docs/real-contacts.md#docker)
    case 'stop':
      containers[rest[0]].running = false;
      return finish(0, rest[0]);
    // docker rm: docs.docker.com/reference/cli/docker/container/rm/; the CLI's error prefix is not cited (docs/real-contacts.md#not-cited)
    case 'rm': {
      const name = rest[rest.length - 1];
      if (!containers[name]) return finish(1, '', `Error response from daemon: No such container: ${name}`);
      delete containers[name];
      return finish(0, name);
    }
    // docker network connect: moby@docker-v29.7.2 daemon/libnetwork/network.go l. 1172; `network X not found` is not cited (docs/real-contacts.md#docker)
    case 'network': {
      const [, network, name] = rest;
      if (!state.networks.includes(network)) return finish(1, '', `Error response from daemon: network ${network} not found`);
      if (containers[name].networks.includes(network)) {
        return finish(1, '', `Error response from daemon: endpoint with name ${name} already exists in network ${network}`);
      }
      containers[name].networks.push(network);
      return finish(0);
    }
    // docker exec: kind@v0.32.0 site/static/examples/kind-with-registry.sh l. 56-57 (docs/real-contacts.md#docker)
    case 'exec':
      return finish(0);
    // docker manifest inspect: docker-manifest-inspect(1); meshspec reads the exit code, the texts are not cited (docs/real-contacts.md#docker)
    case 'manifest': {
      const ref = rest[rest.length - 1];
      if (!state.registryTags.includes(ref)) return finish(1, '', `no such manifest: ${ref}`);
      return finish(0, JSON.stringify({ schemaVersion: 2 }));
    }
    // docker build: docs.docker.com/reference/cli/docker/buildx/build/; the progress lines are not cited (docs/real-contacts.md#docker)
    case 'build':
      state.images.push(flag('-t'));
      return finish(0, '', `#1 [internal] load build definition from Dockerfile\n#9 naming to ${flag('-t')} done`);
    // docker push: docs.docker.com/reference/cli/docker/image/push/; the digest line is not cited (docs/real-contacts.md#docker)
    case 'push':
      state.registryTags.push(rest[0]);
      return finish(0, `${rest[0].split(':').pop()}: digest: sha256:${'ab'.repeat(32)} size: 1570`);
    // Not an answer of Docker's: the fake refuses a command meshspec does not run.
    default:
      return finish(1, '', `docker: unknown command: docker ${command}`);
  }
}

function writeKubeconfig(path, name) {
  mkdirSync(join(path, '..'), { recursive: true });
  const source = state.kubeconfigSource && readFileSync(state.kubeconfigSource, 'utf8');
  writeFileSync(path, source ? source.replaceAll(state.kubeconfigContext, `kind-${name}`) : `apiVersion: v1\nkind: Config\ncurrent-context: kind-${name}\n`);
}

/**
 * The cluster a test's sim stands for is new after `kind create cluster`: its node reports the
 * Kubernetes of the node image (kindest/node:vX.Y.Z is tagged with the release its kubelet runs,
 * kind docs "Configuration"), and nothing meshspec wrote or installed there is left. The fake
 * makes the sim show that: the sim cannot be without its istiod, so its own image
 * (state.simIstiodImage) stands for no Istio. A sim whose API server does not answer (a test's
 * premise) is left as it is.
 */
async function freshClusterInSim(image) {
  const { AppsV1Api, CoreV1Api, KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  kc.loadFromFile(state.kubeconfigSource);
  kc.setCurrentContext(state.kubeconfigContext);
  const core = kc.makeApiClient(CoreV1Api);
  const kubernetes = /^kindest\/node:(v[^@]+)/.exec(image)?.[1];
  try {
    for (const node of (await core.listNode()).items) {
      await core.patchNodeStatus({ name: node.metadata.name, body: [{ op: 'replace', path: '/status/nodeInfo/kubeletVersion', value: kubernetes }] });
    }
    await core.deleteNamespacedConfigMap({ name: 'meshspec-cluster', namespace: 'kube-public' }).catch(() => undefined);
    if (state.simIstiodImage) {
      const apps = kc.makeApiClient(AppsV1Api);
      await apps.patchNamespacedDeployment({
        name: 'istiod',
        namespace: 'istio-system',
        body: [{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: state.simIstiodImage }],
      });
    }
  } catch (error) {
    if (!/ECONNREFUSED|connect/i.test(String(error?.message ?? error))) throw error;
  }
}

async function kind() {
  const name = flag('--name') ?? 'kind';
  const command = args.slice(0, 2).join(' ');
  // kind version: kind@v0.32.0 pkg/cmd/kind/version/version.go DisplayVersion (docs/real-contacts.md#kind)
  if (args[0] === 'version') return finish(0, `kind ${state.kindVersion} go1.25.1 linux/amd64`);
  switch (command) {
    // kind get clusters: kind@v0.32.0 pkg/cmd/kind/get/clusters/clusters.go l. 57, 61 (docs/real-contacts.md#kind)
    case 'get clusters':
      return state.clusters.length ? finish(0, state.clusters.join('\n')) : finish(0, '', 'No kind clusters found.');
    // kind get nodes: kind@v0.32.0 pkg/cmd/kind/get/nodes/nodes.go l. 100, 106 (docs/real-contacts.md#kind)
    case 'get nodes':
      return state.clusters.includes(name) ? finish(0, `${name}-control-plane`) : finish(0, '', `No kind nodes found for cluster "${name}".`);
    // kind create cluster: kind@v0.32.0 pkg/cluster/internal/create/create.go l. 183, providers/docker/images.go l. 39-40 (docs/real-contacts.md#kind)
    case 'create cluster':
      if (state.clusters.includes(name)) {
        return finish(1, '', `ERROR: failed to create cluster: node(s) already exist for a cluster with the name "${name}"`);
      }
      state.clusters.push(name);
      if (!state.networks.includes('kind')) state.networks.push('kind');
      // What a creation killed halfway (or run with --retain) leaves: the node, and no working cluster.
      if (state.createFails) return finish(1, '', state.createFails);
      writeKubeconfig(flag('--kubeconfig'), name);
      if (state.kubeconfigSource) await freshClusterInSim(flag('--image'));
      return finish(
        0,
        '',
        `Creating cluster "${name}" ...\n ✓ Ensuring node image (${flag('--image').split('@sha256:')[0]}) 🖼\n ✓ Preparing nodes 📦\n ✓ Starting control-plane 🕹️`,
      );
    // kind export kubeconfig: kind@v0.32.0 pkg/cmd/kind/export/kubeconfig/kubeconfig.go l. 82, pkg/cluster/internal/kubeconfig/kubeconfig.go l. 83 (docs/real-contacts.md#kind)
    case 'export kubeconfig':
      if (!state.clusters.includes(name)) {
        return finish(
          1,
          '',
          `ERROR: could not locate any control plane nodes for cluster named '${name}'. Use the --name option to select a different cluster`,
        );
      }
      writeKubeconfig(flag('--kubeconfig'), name);
      return finish(0, '', `Set kubectl context to "kind-${name}"`);
    // kind export logs: kind@v0.32.0 pkg/cmd/kind/export/logs/logs.go l. 91 (docs/real-contacts.md#kind)
    case 'export logs':
      mkdirSync(args[2], { recursive: true });
      writeFileSync(join(args[2], 'kind-version.txt'), state.kindVersion);
      return finish(0, '', `Exporting logs for cluster "${name}" to:\n${args[2]}`);
    // kind delete cluster: kind@v0.32.0 pkg/cmd/kind/delete/cluster/deletecluster.go l. 79, pkg/cluster/internal/delete/delete.go l. 47 (docs/real-contacts.md#kind)
    case 'delete cluster': {
      const existed = state.clusters.includes(name);
      state.clusters = state.clusters.filter((c) => c !== name);
      return finish(0, '', `Deleting cluster "${name}" ...${existed ? `\nDeleted nodes: ["${name}-control-plane"]` : ''}`);
    }
    // Not an answer of kind's: the fake refuses a command meshspec does not run.
    default:
      return finish(1, '', `ERROR: unknown command "${command}" for "kind"`);
  }
}

/**
 * The image `istioctl install` gives istiod: hub/pilot:tag, as the istiod chart renders it
 * (istio/istio@1.30.3 manifests/charts/istio-control/istio-discovery/templates/deployment.yaml),
 * the tag being istioctl's own release and the hub `--set hub=` or the one its release embeds
 * (istio/release-builder release/build.sh DOCKER_HUB: registry.istio.io/release on release-1.30,
 * docker.io/istio on release-1.29 and release-1.31).
 */
function installedIstiodImage(sets) {
  const embeddedHub = state.istioctlVersion.startsWith('1.30.') ? 'registry.istio.io/release' : 'docker.io/istio';
  return `${sets.hub ?? embeddedHub}/pilot:${state.istioctlVersion}`;
}

/** The cluster is a sim running Istio: the install moves its istiod to the installed image, as the real one would. */
async function installIntoCluster(image) {
  const { AppsV1Api, KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  kc.loadFromDefault();
  if (flag('--context')) kc.setCurrentContext(flag('--context'));
  const apps = kc.makeApiClient(AppsV1Api);
  await apps.patchNamespacedDeployment({
    name: 'istiod',
    namespace: 'istio-system',
    body: [{ op: 'replace', path: '/spec/template/spec/containers/0/image', value: image }],
  });
}

async function istioctl() {
  // istioctl install: istio@1.30.3 operator/cmd/mesh/install.go, operator/pkg/util/progress/progress.go l. 131, 154; the failure text is not cited (docs/real-contacts.md#istioctl)
  if (args[0] === 'install') {
    if (state.istioInstallFails) return finish(1, '', 'Error: failed to install manifests: context deadline exceeded');
    const sets = Object.fromEntries(allFlags('--set').map((set) => set.split('=')));
    state.istioInstalled = { profile: sets.profile, image: installedIstiodImage(sets) };
    try {
      await installIntoCluster(state.istioInstalled.image);
    } catch (error) {
      return finish(1, '', `fake istioctl: could not move istiod in istio-system to ${state.istioInstalled.image}: ${error.message}`);
    }
    // One line per component of the profile; gateways install in parallel, so their order may differ on a real run.
    const gateways =
      { minimal: [], default: ['✔ Ingress gateways installed 🛬'], demo: ['✔ Ingress gateways installed 🛬', '✔ Egress gateways installed 🛫'] }[
        sets.profile ?? 'default'
      ] ?? [];
    return finish(0, ['✔ Istio core installed ⛵️', '✔ Istiod installed 🧠', ...gateways, '✔ Installation complete'].join('\n'));
  }
  // istioctl version: istio@1.30.3 pkg/version/cobra.go l. 88 (docs/real-contacts.md#istioctl)
  if (args[0] === 'version') return finish(0, `client version: ${state.istioctlVersion}`);
  // Not an answer of istioctl's: the fake refuses a command meshspec's providers do not run (kube-inject has no fake: docs/real-contacts.md#not-cited).
  return finish(1, '', `Error: unknown command "${args[0]}" for "istioctl"`);
}

/**
 * `kubectl version --client --output=json`: kubectl's Version with only the client part
 * (kubernetes/kubectl@v0.36.3 pkg/cmd/version/version.go; clientVersion is k8s.io/apimachinery's
 * version.Info).
 */
function kubectl() {
  // kubectl version: kubectl@v0.36.3 pkg/cmd/version/version.go l. 43-44, 89-90 (docs/real-contacts.md#kubectl); anything else is the fake's refusal.
  if (args.join(' ') !== 'version --client --output=json')
    return finish(1, '', `error: fake kubectl answers \`kubectl version --client --output=json\` only, not ${args.join(' ')}`);
  const [major, minor] = state.kubectlVersion.replace(/^v/, '').split('.');
  return finish(
    0,
    JSON.stringify(
      {
        clientVersion: {
          major,
          minor,
          gitVersion: state.kubectlVersion,
          gitCommit: 'c2a1e6a0f4b9d3e7851f2c6b0a9d4e3f7b1c8a52',
          gitTreeState: 'clean',
          buildDate: '2026-11-12T08:21:44Z',
          goVersion: 'go1.26.7',
          compiler: 'gc',
          platform: 'linux/amd64',
        },
        kustomizeVersion: 'v5.8.1',
      },
      null,
      2,
    ),
  );
}

({ docker, kind, istioctl, kubectl })[tool]();
