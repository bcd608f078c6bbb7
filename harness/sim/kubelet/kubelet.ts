/**
 * The node agent: turns Pod objects into running containers and reports their status.
 * Echo containers are child processes; gateway, pilot and addon containers are served by the
 * data plane or in-process; `istio-proxy` sidecars are the data plane's, not processes.
 *
 * Over 400 lines: one pod's lifecycle (schedule, start, probe, restart, terminate, status) is
 * one state machine, and splitting it would spread its transitions over files. Not yet split.
 */
import { existsSync } from 'node:fs';
import type { AdmissionPlugin, ClusterApi } from '../apiserver/api.js';
import type { ResourceType } from '../apiserver/registry.js';
import type { PodRuntime } from '../apiserver/types.js';
import type { DataPlane, PodNetwork } from '../../mesh/types.js';
import { ApiError } from '../store/errors.js';
import { kubeTimestamp as timestamp } from '../store/store.js';
import type { KubeObject } from '../store/types.js';
import { CONTROL_PORT, HEALTH_PATH } from '../../../apps/echo/src/protocol.js';
import { ContainerProcess, type ContainerState } from './container.js';
import { containerEnv, expand, podHostname } from './env.js';
import { imageRole } from './images.js';
import { ISTIOD_DEBUG_PORT } from '../../istio/debug.js';

export const NODE_NAME = 'meshspec-sim';
/** The node is this machine: its NodePorts answer on loopback (controllers/node-ports.ts). */
export const NODE_IP = '127.0.0.1';
const SIDECAR_NAME = 'istio-proxy';
const ISTIO_INIT_NAME = 'istio-init';
const SIDECAR_STATUS_ANNOTATION = 'sidecar.istio.io/status';

interface KubeletOptions {
  api: ClusterApi;
  dataPlane: DataPlane;
  /** The echo app's built entry point (dist/apps/echo/src/main.js). */
  echoEntry: string;
}

/** A container the kubelet tracks; `process` only for containers that are child processes. */
interface ContainerRun {
  name: string;
  image: string;
  init: boolean;
  process?: ContainerProcess;
  /** Fixed state for containers that are not processes (sidecar, gateway, pilot, addon, unsupported). */
  state?: ContainerState;
  ready?: boolean;
  /** containerPort -> where it answers, for containers served in-process (addons). */
  address?: { host: string; port: number };
  /** An ingress gateway's container: reached where the data plane's ingress listens. */
  ingressGateway?: boolean;
  /** istiod's container: its monitoring port, as a caller on the pod's loopback or on the network meets it. */
  istiod?: { loopback: { host: string; port: number }; network: { host: string; port: number } };
}

interface PodRun {
  uid: string;
  namespace: string;
  name: string;
  ip: string;
  containers: ContainerRun[];
  network?: PodNetwork;
  attached: boolean;
  stopped: boolean;
  /** Its deletion began: the containers are stopping, then the kubelet removes the object. */
  terminating: boolean;
  statusQueued: boolean;
}

const podKey = (namespace: string, name: string) => `${namespace}/${name}`;

/** The port an echo container serves on inside its pod: its --port argument, PORT, or 8080. */
function echoPort(container: any, env: Record<string, string>): number {
  const args: string[] = container.args ?? [];
  for (let i = 0; i < args.length; i++) {
    const inline = /^--port=(\d+)$/.exec(args[i]);
    if (inline) return Number(inline[1]);
    if (args[i] === '--port' && /^\d+$/.test(args[i + 1] ?? '')) return Number(args[i + 1]);
  }
  return /^\d+$/.test(env.PORT ?? '') ? Number(env.PORT) : 8080;
}

/** Sets spec.nodeName at creation, standing in for the scheduler. */
export const schedulerAdmission: AdmissionPlugin = {
  mutate({ operation, type, object }) {
    if (operation === 'CREATE' && type.kind === 'Pod' && !type.group && object.spec && typeof object.spec === 'object') object.spec.nodeName ??= NODE_NAME;
  },
};

export class Kubelet implements PodRuntime {
  private readonly pods = new Map<string, PodRun>();
  private nextIp = 10;
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly options: KubeletOptions) {}

  start(): void {
    const podType = this.options.api.type('', 'Pod');
    this.unsubscribe = this.options.api.store.subscribe((event) => {
      if (event.typeKey !== '/Pod') return;
      const { namespace, name, uid } = event.object.metadata;
      const run = this.pods.get(podKey(namespace!, name));
      if (event.type === 'DELETED') {
        if (run && run.uid === uid) {
          this.pods.delete(podKey(namespace!, name));
          void this.stopPod(run);
        }
      } else if (event.object.metadata.deletionTimestamp) {
        // Terminated here; a pod this kubelet never ran has nothing to stop and goes at once.
        void this.terminatePod(run?.uid === uid ? run : undefined, event.object).catch((error) =>
          process.emitWarning(`meshspec sim: kubelet could not finish deleting pod ${namespace}/${name}: ${(error as Error).message}`),
        );
      } else if (event.type === 'ADDED' && !run) {
        void this.startPod(event.object).catch((error) => this.reportFailure(podType, event.object, error));
      }
    });
    for (const pod of this.options.api.list(podType)) void this.startPod(pod).catch((error) => this.reportFailure(podType, pod, error));
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    const runs = [...this.pods.values()];
    this.pods.clear();
    await Promise.all(runs.map((run) => this.stopPod(run)));
  }

  logs(namespace: string, pod: string, container: string | undefined, options: { tailLines?: number; previous?: boolean }): string {
    const run = this.container(namespace, pod, container);
    const buffer = options.previous ? run?.process?.previousLogs : run?.process?.logs;
    return buffer?.read(options.tailLines) ?? '';
  }

  followLogs(namespace: string, pod: string, container: string | undefined, listener: (chunk: string) => void, onEnd: () => void): () => void {
    const process = this.container(namespace, pod, container)?.process;
    if (!process) {
      onEnd();
      return () => undefined;
    }
    return process.logs.follow(listener, onEnd);
  }

  inbound(namespace: string, pod: string, port: number, origin: 'loopback' | 'network' = 'network'): { host: string; port: number } | null {
    const run = this.pods.get(podKey(namespace, pod));
    if (!run) return null;
    const istiod = run.containers.find((c) => c.istiod)?.istiod;
    if (istiod) return port === ISTIOD_DEBUG_PORT ? istiod[origin] : null;
    const addon = run.containers.find((c) => c.address);
    if (addon?.address) return addon.address;
    if (run.containers.some((c) => c.ingressGateway)) return this.options.dataPlane.ingressAddress();
    return run.network?.inbound(port) ?? null;
  }

  private container(namespace: string, pod: string, name: string | undefined): ContainerRun | undefined {
    const run = this.pods.get(podKey(namespace, pod));
    return run?.containers.find((c) => (name ? c.name === name : !c.init && c.name !== SIDECAR_NAME));
  }

  private event(pod: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.options.api.recordEvent(pod, type, reason, message, 'kubelet');
  }

  private reportFailure(podType: ResourceType, pod: KubeObject, error: unknown): void {
    if (!this.options.api.store.get(podType, pod.metadata.namespace, pod.metadata.name)) return;
    this.event(pod, 'Warning', 'Failed', `meshspec sim could not start the pod: ${(error as Error).message}`);
  }

  private async startPod(pod: KubeObject): Promise<void> {
    const { namespace, name } = pod.metadata as { namespace: string; name: string };
    const ip = `10.244.${Math.floor(this.nextIp / 250)}.${(this.nextIp % 250) + 1}`;
    this.nextIp++;
    const run: PodRun = {
      uid: pod.metadata.uid!,
      namespace,
      name,
      ip,
      containers: [],
      attached: false,
      stopped: false,
      terminating: false,
      statusQueued: false,
    };
    this.pods.set(podKey(namespace, name), run);
    this.event(pod, 'Normal', 'Scheduled', `Successfully assigned ${namespace}/${name} to ${NODE_NAME}`);
    // The IP is part of the pod's status before anything runs, so fieldRef status.podIP resolves.
    const withIp = { ...pod, status: { ...pod.status, podIP: ip, podIPs: [{ ip }], hostIP: NODE_IP, hostIPs: [{ ip: NODE_IP }], startTime: timestamp() } };
    const specs: { container: any; init: boolean }[] = [
      ...(pod.spec?.initContainers ?? []).map((container: any) => ({ container, init: true })),
      ...(pod.spec?.containers ?? []).map((container: any) => ({ container, init: false })),
    ];
    const unsupported: string[] = [];
    const echo: { run: ContainerRun; container: any }[] = [];
    for (const { container, init } of specs) {
      const c: ContainerRun = { name: container.name, image: container.image, init };
      run.containers.push(c);
      // A gateway's own container is also called istio-proxy: only an injected one is a sidecar.
      if (container.name === SIDECAR_NAME && pod.metadata.annotations?.[SIDECAR_STATUS_ANNOTATION]) {
        c.state = { running: { startedAt: timestamp() } };
        c.ready = true;
      } else if (init && container.name === ISTIO_INIT_NAME) {
        c.state = { terminated: { exitCode: 0, reason: 'Completed', startedAt: timestamp(), finishedAt: timestamp() } };
        c.ready = false;
      } else {
        const role = imageRole(String(container.image));
        if (role === 'echo' && !init) echo.push({ run: c, container });
        else if (role === 'pilot') {
          c.istiod = (await this.options.dataPlane.startIstiod(withIp)) ?? undefined;
          run.attached = true;
          c.state = { running: { startedAt: timestamp() } };
          c.ready = true;
        } else if (role === 'gateway' && !init) {
          const { ready } = await this.options.dataPlane.startGateway(withIp);
          run.attached = true;
          c.ingressGateway = pod.metadata.labels?.istio === 'ingressgateway';
          c.state = { running: { startedAt: timestamp() } };
          c.ready = ready;
        } else {
          const address = init ? null : await this.options.dataPlane.startAddon(withIp, String(container.image));
          if (address) {
            run.attached = true;
            c.address = address;
            c.state = { running: { startedAt: timestamp() } };
            c.ready = true;
          } else {
            unsupported.push(String(container.image));
            c.state = { waiting: { reason: 'ErrImageNeverPull', message: `the sim provider cannot run image "${container.image}"` } };
            c.ready = false;
          }
        }
      }
    }
    if (run.stopped) return;
    if (unsupported.length > 0) {
      this.event(
        pod,
        'Warning',
        'Failed',
        `the sim provider cannot run image ${unsupported.map((i) => `"${i}"`).join(', ')}: it runs meshspec/echo, istio/proxyv2, istio/pilot and the observability addons only; run this scenario with --provider kind`,
      );
      this.writeStatus(run);
      return;
    }
    if (echo.length > 0) await this.startEcho(run, withIp, echo);
    this.writeStatus(run);
  }

  private async startEcho(run: PodRun, pod: KubeObject, echo: { run: ContainerRun; container: any }[]): Promise<void> {
    const api = this.options.api;
    if (!existsSync(this.options.echoEntry)) {
      for (const { run: c } of echo)
        c.state = { waiting: { reason: 'CreateContainerError', message: `the echo app is not built: run \`pnpm build\` (missing ${this.options.echoEntry})` } };
      this.event(pod, 'Warning', 'Failed', `meshspec's echo app is not built: run \`pnpm build\` first (missing ${this.options.echoEntry})`);
      return;
    }
    const sources = {
      configMap: (ns: string, n: string) => api.store.get(api.type('', 'ConfigMap'), ns, n)?.data as Record<string, string> | undefined,
      secret: (ns: string, n: string) => {
        const data = api.store.get(api.type('', 'Secret'), ns, n)?.data as Record<string, string> | undefined;
        return data && Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
      },
    };
    const appPorts = new Map<number, { host: string; port: number }>();
    const prepared = [];
    for (const { run: c, container } of echo) {
      const env = containerEnv(pod, container, sources);
      // The container's process fills in the ports once it listens (see ProcessSpec.address).
      const address = { host: '127.0.0.1', port: 0 };
      const controlAddress = { host: '127.0.0.1', port: 0 };
      const declared: number[] = (container.ports ?? []).map((p: any) => p.containerPort).filter((port: number) => port !== CONTROL_PORT);
      for (const containerPort of declared.length ? declared : [echoPort(container, env)]) appPorts.set(containerPort, address);
      // The echo app always listens on its control port too, declared or not.
      appPorts.set(CONTROL_PORT, controlAddress);
      prepared.push({ c, container, env, address, controlAddress });
    }
    run.network = await this.options.dataPlane.attachPod({ pod, appPorts });
    run.attached = true;
    if (run.stopped) return;
    for (const { c, container, env, address, controlAddress } of prepared) {
      const probePath = container.readinessProbe?.httpGet?.path ?? HEALTH_PATH;
      const args = (container.args ?? []).map((a: string) => expand(String(a), env));
      c.process = new ContainerProcess(
        {
          name: c.name,
          file: process.execPath,
          args: [this.options.echoEntry, ...args],
          // Exactly what a node gives the container: the runtime's PATH and HOSTNAME, then the
          // manifest's own env (downward API included), which may override them.
          env: {
            PATH: process.env.PATH ?? '',
            HOSTNAME: podHostname(pod),
            ...env,
            ...run.network.env,
          },
          address,
          controlAddress,
          readinessPath: probePath,
          restartPolicy: pod.spec?.restartPolicy ?? 'Always',
        },
        () => this.writeStatus(run),
        (type, reason, message) => this.event(pod, type, reason, message),
      );
      this.event(pod, 'Normal', 'Pulled', `Container image "${c.image}" already present on machine`);
      this.event(pod, 'Normal', 'Created', `Created container ${c.name}`);
      c.process.start();
    }
  }

  /** Ends the pod's containers (SIGTERM, SIGKILL after `graceMs`) and its place in the data plane. */
  private async stopPod(run: PodRun, graceMs?: number): Promise<void> {
    if (run.stopped) return;
    run.stopped = true;
    await Promise.all(run.containers.map((c) => c.process?.stop(graceMs)));
    if (run.attached) await this.options.dataPlane.detachPod(run.namespace, run.name);
  }

  /**
   * Graceful deletion: stop the containers within the pod's grace period, report them terminated,
   * then remove the object (the kubelet's own delete, grace period 0), as a real node does.
   */
  private async terminatePod(run: PodRun | undefined, pod: KubeObject): Promise<void> {
    if (run?.terminating) return;
    const api = this.options.api;
    const podType = api.type('', 'Pod');
    const { namespace, name, uid } = pod.metadata as { namespace: string; name: string; uid: string };
    if (run) {
      run.terminating = true;
      const running = run.containers.filter((c) => c.process || (c.state && 'running' in c.state));
      if (running.length > 0) this.event(pod, 'Normal', 'Killing', `Stopping container ${running.map((c) => c.name).join(', ')}`);
      await this.stopPod(run, Number(pod.metadata.deletionGracePeriodSeconds ?? 0) * 1000);
    }
    const current = api.store.get(podType, namespace, name);
    if (!current || current.metadata.uid !== uid) return;
    try {
      if (run) {
        const finishedAt = timestamp();
        for (const c of run.containers) {
          if (!c.process && c.state && 'running' in c.state)
            c.state = { terminated: { exitCode: 0, reason: 'Completed', startedAt: c.state.running.startedAt, finishedAt } };
          c.ready = false;
        }
        api.updateStatus(podType, { ...current, status: this.status(run, current) });
      }
      api.delete(podType, namespace, name, { gracePeriodSeconds: 0, preconditions: { uid } });
    } catch (error) {
      // Removed or replaced meanwhile (a forced delete): nothing left to do.
      if (!(error instanceof ApiError && (error.code === 404 || error.code === 409))) throw error;
    }
  }

  /** Coalesces status writes: many container changes in one tick make one write. */
  private writeStatus(run: PodRun): void {
    if (run.statusQueued || run.stopped) return;
    run.statusQueued = true;
    setImmediate(() => {
      run.statusQueued = false;
      if (run.stopped) return;
      const api = this.options.api;
      const podType = api.type('', 'Pod');
      const pod = api.store.get(podType, run.namespace, run.name);
      if (!pod || pod.metadata.uid !== run.uid) return;
      api.updateStatus(podType, { ...pod, status: this.status(run, pod) });
    });
  }

  private status(run: PodRun, pod: KubeObject): Record<string, unknown> {
    const now = timestamp();
    const statusOf = (c: ContainerRun) => {
      const state = c.process?.state ?? c.state ?? { waiting: { reason: 'ContainerCreating' } };
      const ready = c.process ? c.process.ready : (c.ready ?? false);
      return {
        name: c.name,
        image: c.image,
        imageID: `sim://${c.image}`,
        containerID: `sim://${run.uid}/${c.name}`,
        ready,
        started: 'running' in state,
        restartCount: c.process?.restartCount ?? 0,
        state,
        ...(c.process?.lastState ? { lastState: c.process.lastState } : { lastState: {} }),
      };
    };
    const containers = run.containers.filter((c) => !c.init).map(statusOf);
    const initContainers = run.containers.filter((c) => c.init).map(statusOf);
    const sidecarsReady = initContainers.filter((c) => c.name === SIDECAR_NAME).every((c) => c.ready);
    const initialized = initContainers.every((c) => c.name === SIDECAR_NAME || 'terminated' in c.state);
    const ready = initialized && sidecarsReady && containers.every((c) => c.ready);
    const allTerminated = containers.every((c) => 'terminated' in c.state);
    const phase =
      allTerminated && containers.length > 0
        ? containers.every((c: any) => c.state.terminated.exitCode === 0)
          ? 'Succeeded'
          : 'Failed'
        : containers.every((c) => 'running' in c.state || 'terminated' in c.state) || containers.some((c) => c.restartCount > 0)
          ? 'Running'
          : 'Pending';
    const previous: any[] = pod.status?.conditions ?? [];
    const condition = (type: string, value: boolean) => {
      const status = value ? 'True' : 'False';
      const before = previous.find((c) => c.type === type);
      return { type, status, lastProbeTime: null, lastTransitionTime: before?.status === status ? before.lastTransitionTime : now };
    };
    return {
      ...pod.status,
      phase,
      conditions: [
        condition('PodReadyToStartContainers', true),
        condition('Initialized', initialized),
        condition('Ready', ready),
        condition('ContainersReady', ready),
        condition('PodScheduled', true),
      ],
      hostIP: NODE_IP,
      hostIPs: [{ ip: NODE_IP }],
      podIP: run.ip,
      podIPs: [{ ip: run.ip }],
      startTime: pod.status?.startTime ?? now,
      containerStatuses: containers,
      ...(initContainers.length ? { initContainerStatuses: initContainers } : {}),
      qosClass: 'BestEffort',
    };
  }
}
