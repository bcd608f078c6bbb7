/**
 * `meshspec sim [--kubeconfig FILE] [--istio-profile demo|default|minimal|none] [--addons LIST|none] [--native-sidecars]`:
 * runs the embedded cluster in the foreground until SIGINT/SIGTERM, then stops every process and port.
 */
import { installSimAddons } from '../providers/sim/addons.js';
import { ADDONS, type Addon } from '../providers/types.js';
import { startSim, type SimIstioProfileOption } from './index.js';

const PROFILES: SimIstioProfileOption[] = ['demo', 'default', 'minimal', 'none'];

const USAGE = `usage: meshspec sim [--kubeconfig FILE] [--istio-profile ${PROFILES.join('|')}] [--addons LIST|none] [--native-sidecars]

Runs the embedded Kubernetes-compatible cluster with Istio emulated, in the foreground.
  --kubeconfig FILE     where to write the kubeconfig (default: a new temporary directory)
  --istio-profile NAME  Istio profile to install (default: demo)
  --addons LIST         observability addons in istio-system, comma-separated from ${ADDONS.join(', ')},
                        or none (default: all of them, as a tutorial sets up; none without Istio)
  --native-sidecars     inject istio-proxy as a native sidecar (init container, restartPolicy Always)
Stop it with Ctrl-C (SIGINT) or SIGTERM.`;

interface SimCommandIo {
  out: (line: string) => void;
  err: (line: string) => void;
  /** Resolves when the command should stop; default: the first SIGINT or SIGTERM. */
  stopSignal?: Promise<unknown>;
}

interface ParsedArgs {
  kubeconfig?: string;
  profile: SimIstioProfileOption;
  addons: Addon[];
  nativeSidecars: boolean;
  help: boolean;
}

class UsageError extends Error {}

function parseArgs(argv: string[]): ParsedArgs {
  const parsed: ParsedArgs = { profile: 'demo', addons: [...ADDONS], nativeSidecars: false, help: false };
  let addonsGiven = false;
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].includes('=') ? [argv[i].slice(0, argv[i].indexOf('=')), argv[i].slice(argv[i].indexOf('=') + 1)] : [argv[i], undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '') throw new UsageError(`${flag} needs a value`);
      return v;
    };
    if (flag === '--kubeconfig') parsed.kubeconfig = value();
    else if (flag === '--istio-profile') {
      const profile = value();
      if (!PROFILES.includes(profile as SimIstioProfileOption)) throw new UsageError(`--istio-profile must be one of ${PROFILES.join(', ')} (got "${profile}")`);
      parsed.profile = profile as SimIstioProfileOption;
    } else if (flag === '--addons') {
      addonsGiven = true;
      parsed.addons = parseAddons(value());
    } else if (flag === '--native-sidecars') parsed.nativeSidecars = true;
    else if (flag === '--help' || flag === '-h') parsed.help = true;
    else throw new UsageError(`unknown argument "${argv[i]}"`);
  }
  if (parsed.profile === 'none') {
    if (addonsGiven && parsed.addons.length > 0) throw new UsageError('--addons needs Istio in istio-system: leave out --istio-profile none, or the addons');
    parsed.addons = [];
  }
  return parsed;
}

function parseAddons(list: string): Addon[] {
  if (list === 'none') return [];
  const names = list.split(',').map((name) => name.trim());
  const unknown = names.filter((name) => !(ADDONS as readonly string[]).includes(name));
  if (unknown.length > 0) throw new UsageError(`--addons takes ${ADDONS.join(', ')} or none (got ${unknown.map((name) => `"${name}"`).join(', ')})`);
  return [...new Set(names as Addon[])];
}

function signals(): Promise<string> {
  return new Promise((resolve) => {
    const handler = (signal: string) => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
      resolve(signal);
    };
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
  });
}

/** Returns the exit code: 0 after a clean stop, 1 when the cluster could not start, 2 on bad arguments. */
export async function runSimCommand(argv: string[], io: SimCommandIo = { out: (l) => console.log(l), err: (l) => console.error(l) }): Promise<number> {
  let args: ParsedArgs;
  try {
    args = parseArgs(argv);
  } catch (error) {
    io.err(`meshspec sim: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    io.out(USAGE);
    return 0;
  }
  // Listen before starting, so a signal during startup is not lost and stops the cluster once it is up.
  const stopRequested = io.stopSignal ?? signals();
  let sim;
  try {
    sim = await startSim({ istioProfile: args.profile, kubeconfigPath: args.kubeconfig, nativeSidecars: args.nativeSidecars });
  } catch (error) {
    io.err(`meshspec sim: the cluster did not start: ${(error as Error).message}`);
    return 1;
  }
  try {
    await installSimAddons(sim, args.addons, 'meshspec-sim');
  } catch (error) {
    io.err(`meshspec sim: the addons did not start: ${(error as Error).message}`);
    await sim.stop();
    return 1;
  }
  const ingress = sim.ingress();
  const istio = args.profile === 'none' ? 'not installed' : `${sim.istioVersion} ${args.profile}${args.addons.length > 0 ? ` with ${args.addons.join(', ')}` : ''}`;
  io.out(
    `meshspec sim ready: kubeconfig ${sim.kubeconfigPath} (context ${sim.context}, API ${sim.server}, Istio ${istio}${ingress ? `, ingress http://${ingress.host}:${ingress.port}` : ''}); stop with Ctrl-C`,
  );
  await stopRequested;
  await sim.stop();
  return 0;
}
