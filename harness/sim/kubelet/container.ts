/**
 * One container run as a child process: start, readiness probing, restart with back-off on
 * exit (restartCount, waiting/running/terminated states as the kubelet reports them), stop.
 */
import { get } from 'node:http';
import { execa, type ResultPromise } from 'execa';
import { isListeningReport } from '../../../apps/echo/src/protocol.js';
import { kubeTimestamp as timestamp } from '../store/store.js';
import { LogBuffer } from './logs.js';

interface ProcessSpec {
  name: string;
  /** Executable and arguments (node and the app's entry point). */
  file: string;
  args: string[];
  env: Record<string, string>;
  /**
   * Where the app listens, kept current here: every start lets the OS choose a free port
   * (MESHSPEC_LISTEN_PORT=0) and the process reports it over IPC, because a port chosen ahead of
   * the start can be taken meanwhile and a restart can find its old one taken. `port` is 0 while
   * no process listens. The kubelet hands this object to the data plane, which reads it per connection.
   */
  address: { host: string; port: number };
  /** Where the echo app's control endpoints listen, kept current the same way. */
  controlAddress?: { host: string; port: number };
  readinessPath: string;
  restartPolicy: 'Always' | 'OnFailure' | 'Never';
}

export type ContainerState =
  | { waiting: { reason: string; message?: string } }
  | { running: { startedAt: string } }
  | { terminated: { exitCode: number; reason: string; signal?: number; startedAt?: string; finishedAt: string } };

type ContainerEvent = (type: 'Normal' | 'Warning', reason: string, message: string) => void;

const INITIAL_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 16_000;
/** How long a container gets after SIGTERM when the sim itself stops (a deleted pod's grace period is its own). */
const STOP_GRACE_MS = 2_000;
const PROBE_FAST_MS = 100;
const PROBE_STEADY_MS = 1_000;

const SIGNALS: Record<string, number> = { SIGTERM: 15, SIGKILL: 9, SIGINT: 2, SIGSEGV: 11, SIGABRT: 6 };

function probe({ host, port }: { host: string; port: number }, path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = get({ host, port, path, timeout: 1_000 }, (res) => {
      res.resume();
      resolve((res.statusCode ?? 500) >= 200 && (res.statusCode ?? 500) < 400);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

export class ContainerProcess {
  state: ContainerState = { waiting: { reason: 'ContainerCreating' } };
  lastState: ContainerState | undefined;
  ready = false;
  started = false;
  restartCount = 0;
  logs = new LogBuffer();
  previousLogs: LogBuffer | undefined;
  private child: ResultPromise | undefined;
  private timer: NodeJS.Timeout | undefined;
  private backoffMs = INITIAL_BACKOFF_MS;
  private stopping = false;
  private exited: Promise<void> = Promise.resolve();

  constructor(
    private readonly spec: ProcessSpec,
    private readonly onChange: () => void,
    private readonly onEvent: ContainerEvent,
  ) {}

  start(): void {
    if (this.stopping) return;
    const startedAt = timestamp();
    const child = execa(this.spec.file, this.spec.args, {
      env: { ...this.spec.env, MESHSPEC_LISTEN_PORT: '0' },
      extendEnv: false,
      reject: false,
      buffer: false,
      stdin: 'ignore',
      // The channel carries the listening report; its closing also ends the app when this process dies.
      ipc: true,
      // stop() sends SIGKILL after the grace period it is given.
      forceKillAfterDelay: false,
    });
    this.child = child;
    child.on('message', (message: unknown) => {
      if (child !== this.child || !isListeningReport(message)) return;
      this.spec.address.port = message.listening.port;
      if (this.spec.controlAddress) this.spec.controlAddress.port = message.listening.controlPort;
      this.scheduleProbe(0);
    });
    child.stdout?.on('data', (chunk: Buffer) => this.logs.append(chunk.toString('utf8')));
    child.stderr?.on('data', (chunk: Buffer) => this.logs.append(chunk.toString('utf8')));
    this.state = { running: { startedAt } };
    this.started = true;
    this.onEvent('Normal', 'Started', `Started container ${this.spec.name}`);
    this.onChange();
    this.exited = child.then((result) => this.handleExit(result.exitCode, result.signal, startedAt));
    this.scheduleProbe(PROBE_FAST_MS);
  }

  /** SIGTERM, then SIGKILL once `graceMs` have passed; resolves once the process is gone. */
  async stop(graceMs = STOP_GRACE_MS): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    const child = this.child;
    child?.kill('SIGTERM');
    const killer = setTimeout(() => child?.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(killer);
    this.logs.close();
  }

  private scheduleProbe(delay: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.probeOnce(), delay);
  }

  private async probeOnce(): Promise<void> {
    const child = this.child;
    const ok = this.spec.address.port !== 0 && (await probe(this.spec.address, this.spec.readinessPath));
    if (this.stopping || child !== this.child || !('running' in this.state)) return;
    if (ok !== this.ready) {
      this.ready = ok;
      if (!ok) this.onEvent('Warning', 'Unhealthy', `Readiness probe failed: GET ${this.spec.readinessPath} did not answer 2xx/3xx`);
      this.onChange();
    }
    this.scheduleProbe(ok ? PROBE_STEADY_MS : PROBE_FAST_MS);
  }

  private handleExit(exitCode: number | undefined, signal: string | undefined, startedAt: string): void {
    clearTimeout(this.timer);
    this.ready = false;
    this.spec.address.port = 0;
    if (this.spec.controlAddress) this.spec.controlAddress.port = 0;
    const code = exitCode ?? 128 + (SIGNALS[signal ?? ''] ?? 0);
    const terminated: ContainerState = {
      terminated: {
        exitCode: code,
        reason: code === 0 ? 'Completed' : 'Error',
        ...(signal ? { signal: SIGNALS[signal] } : {}),
        startedAt,
        finishedAt: timestamp(),
      },
    };
    if (this.stopping) {
      this.state = terminated;
      return;
    }
    const restart = this.spec.restartPolicy === 'Always' || (this.spec.restartPolicy === 'OnFailure' && code !== 0);
    if (!restart) {
      this.state = terminated;
      this.onChange();
      return;
    }
    this.lastState = terminated;
    const ranLong = Date.now() - Date.parse(startedAt) > 10 * MAX_BACKOFF_MS;
    if (ranLong) this.backoffMs = INITIAL_BACKOFF_MS;
    this.state = {
      waiting: { reason: 'CrashLoopBackOff', message: `back-off ${Math.round(this.backoffMs / 100) / 10}s restarting failed container=${this.spec.name}` },
    };
    this.onEvent('Warning', 'BackOff', `Back-off restarting failed container ${this.spec.name} (exit code ${code})`);
    this.onChange();
    this.timer = setTimeout(() => {
      this.restartCount++;
      this.previousLogs = this.logs;
      this.logs = new LogBuffer();
      this.start();
    }, this.backoffMs);
    this.backoffMs = Math.min(this.backoffMs * 2, MAX_BACKOFF_MS);
  }
}
