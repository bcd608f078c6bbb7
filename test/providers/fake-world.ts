/**
 * A directory of state for the fake docker/kind/istioctl/kubectl in ./fakes, and PATH pointing at them.
 * Tests arrange the world (containers, clusters, taken ports), run provider code, then assert
 * on the recorded argument arrays and on the world afterwards.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const FAKES_DIR = fileURLToPath(new URL('./fakes', import.meta.url));

interface FakeContainer {
  running: boolean;
  labels: Record<string, string>;
  networks: string[];
  image: string;
  /** Its address on the kind network (the bridge network's is the same host number in 172.17/16). */
  ip: string;
  command?: string[];
  /** What `docker run -p` published (HostConfig.PortBindings): "5000/tcp" -> its host bindings. */
  published?: Record<string, { HostIp: string; HostPort: string }[]>;
}

export interface FakeState {
  dockerEngine: 'up' | 'down';
  kindVersion: string;
  istioctlVersion: string;
  kubectlVersion: string;
  containers: Record<string, FakeContainer>;
  networks: string[];
  /** "127.0.0.1:5001" style host addresses something else already listens on. */
  portsTaken: string[];
  clusters: string[];
  registryTags: string[];
  images: string[];
  istioInstallFails: boolean;
  /** Containers another process creates just before meshspec's `docker run` (after its check). */
  createdBeforeRun?: Record<string, FakeContainer>;
  /** `docker run` creates the container, then fails to start it with this stderr. */
  runFails?: string;
  /** `kind create cluster` fails with this stderr after making the node container. */
  createFails?: string;
  /** What the last `istioctl install` installed: the profile it was asked for, and the istiod image it put on the cluster. */
  istioInstalled?: { profile: string; image: string };
  /** A kubeconfig the fake kind hands out (e.g. the sim's), with its context renamed to kind-NAME. */
  kubeconfigSource?: string;
  kubeconfigContext?: string;
  /** The sim's own istiod image, which the fake kind puts back on a cluster it creates: it stands for no Istio. */
  simIstiodImage?: string;
}

export interface FakeCall {
  tool: 'docker' | 'kind' | 'istioctl' | 'kubectl';
  args: string[];
  stdin?: string;
  /** The KUBECONFIG the tool ran with (istioctl gets the cluster's there). */
  KUBECONFIG?: string;
}

export class FakeWorld {
  readonly dir = mkdtempSync(join(tmpdir(), 'meshspec-fakes-'));
  private readonly saved = { PATH: process.env.PATH, MESHSPEC_FAKE_DIR: process.env.MESHSPEC_FAKE_DIR };

  constructor(initial: Partial<FakeState> = {}) {
    this.write({
      dockerEngine: 'up',
      kindVersion: 'v0.33.0',
      istioctlVersion: '1.30.5',
      kubectlVersion: 'v1.36.4',
      containers: {},
      networks: ['bridge'],
      portsTaken: [],
      clusters: [],
      registryTags: [],
      images: [],
      istioInstallFails: false,
      ...initial,
    });
    writeFileSync(join(this.dir, 'calls.jsonl'), '');
    process.env.PATH = `${FAKES_DIR}${delimiter}${process.env.PATH}`;
    process.env.MESHSPEC_FAKE_DIR = this.dir;
  }

  state(): FakeState {
    return JSON.parse(readFileSync(join(this.dir, 'state.json'), 'utf8')) as FakeState;
  }

  write(state: FakeState): void {
    writeFileSync(join(this.dir, 'state.json'), JSON.stringify(state, null, 2));
  }

  update(change: Partial<FakeState>): void {
    this.write({ ...this.state(), ...change });
  }

  calls(tool?: FakeCall['tool']): FakeCall[] {
    const lines = readFileSync(join(this.dir, 'calls.jsonl'), 'utf8').split('\n').filter(Boolean);
    return lines.map((line) => JSON.parse(line) as FakeCall).filter((call) => !tool || call.tool === tool);
  }

  /** The argument arrays of one tool's calls whose first arguments are `prefix`. */
  argsOf(tool: FakeCall['tool'], ...prefix: string[]): string[][] {
    return this.calls(tool)
      .map((c) => c.args)
      .filter((args) => prefix.every((p, i) => args[i] === p));
  }

  dispose(): void {
    process.env.PATH = this.saved.PATH;
    if (this.saved.MESHSPEC_FAKE_DIR === undefined) delete process.env.MESHSPEC_FAKE_DIR;
    else process.env.MESHSPEC_FAKE_DIR = this.saved.MESHSPEC_FAKE_DIR;
    rmSync(this.dir, { recursive: true, force: true });
  }
}
