/**
 * Command line and environment of the echo app. Flags are accepted in Go style
 * (`-fail-percent=50`, as the workshop's backend takes them) and GNU style (`--fail-percent 50`).
 */
import { hostname } from 'node:os';
import { CONTROL_PORT } from './protocol.js';
import type { EchoServerOptions } from './server.js';

const FLAGS = ['port', 'version', 'service', 'fail-percent', 'upstream', 'pod', 'namespace', 'host'] as const;
type Flag = (typeof FLAGS)[number];

export class UsageError extends Error {
  override name = 'UsageError';
}

function parseFlags(argv: readonly string[]): Partial<Record<Flag, string>> {
  const values: Partial<Record<Flag, string>> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const match = /^--?([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!match) throw new UsageError(`unexpected argument "${arg}"; flags look like --port 8080 or -port=8080`);
    const name = match[1] as Flag;
    if (!FLAGS.includes(name)) throw new UsageError(`unknown flag "${arg}"; known flags: ${FLAGS.map((f) => `--${f}`).join(', ')}`);
    let value = match[2];
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined) throw new UsageError(`flag --${name} needs a value`);
    }
    values[name] = value;
  }
  return values;
}

function toInteger(flag: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new UsageError(`${flag} must be an integer from ${min} to ${max} (got "${text}")`);
  }
  return value;
}

/**
 * Resolves the app's settings. The listen port is `MESHSPEC_LISTEN_PORT` when set (the embedded
 * cluster sets 0: the OS chooses free loopback ports for the app and its control endpoints, which
 * main.ts reports to the kubelet), else --port / PORT (default 8080), with the control endpoints
 * on CONTROL_PORT. The pod's name is POD_NAME (the downward API), else the container's hostname,
 * which Kubernetes sets to the pod's name (HOSTNAME, as the container runtime exports it).
 */
export function resolveOptions(argv: readonly string[], env: NodeJS.ProcessEnv): EchoServerOptions {
  const flags = parseFlags(argv);
  const listenPort = env.MESHSPEC_LISTEN_PORT;
  const port = listenPort ? toInteger('MESHSPEC_LISTEN_PORT', listenPort, 0, 65535) : toInteger('--port', flags.port ?? env.PORT ?? '8080', 0, 65535);
  if (!listenPort && port === CONTROL_PORT) {
    throw new UsageError(`--port ${port} is the port of the control endpoints (forward call, request log); choose another port for the app`);
  }
  const upstream = flags.upstream ?? env.UPSTREAM;
  if (upstream !== undefined && !/^https?:\/\//.test(upstream)) {
    throw new UsageError(`--upstream must be an http:// or https:// URL (got "${upstream}")`);
  }
  return {
    port,
    controlPort: listenPort ? 0 : CONTROL_PORT,
    // On the embedded cluster every pod shares the machine's loopback; in a container, listen everywhere.
    host: flags.host ?? (listenPort ? '127.0.0.1' : '0.0.0.0'),
    service: flags.service ?? env.SERVICE_NAME ?? 'echo',
    version: flags.version ?? env.VERSION ?? 'v1',
    pod: flags.pod ?? env.POD_NAME ?? env.HOSTNAME ?? hostname(),
    namespace: flags.namespace ?? env.POD_NAMESPACE ?? 'default',
    failPercent: toInteger('--fail-percent', flags['fail-percent'] ?? env.FAIL_PERCENT ?? '0', 0, 100),
    upstream,
    outboundProxy: env.MESHSPEC_OUTBOUND_PROXY || undefined,
  };
}
