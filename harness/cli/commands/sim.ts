/**
 * `meshspec sim [--kubeconfig FILE] [--istio-profile demo|default|minimal|none] [--addons LIST|none] [--native-sidecars[=true|false|auto]]`:
 * runs the embedded cluster in the foreground until SIGINT/SIGTERM, then stops every process and port.
 */
import { UsageError } from '../errors.js';
import { installSimAddons } from '../../providers/sim/addons.js';
import { ADDONS, type Addon } from '../../contract/cluster.js';
import { closest } from '../../spec/closest.js';
import { startSim, type SimIstioProfileOption, type SimOptions } from '../../sim/index.js';

type NativeSidecarMode = NonNullable<SimOptions['nativeSidecars']>;

const PROFILES: SimIstioProfileOption[] = ['demo', 'default', 'minimal', 'none'];
const NATIVE_SIDECAR_MODES: NativeSidecarMode[] = ['true', 'false', 'auto'];

const USAGE = `usage: meshspec sim [--kubeconfig FILE] [--istio-profile ${PROFILES.join('|')}] [--addons LIST|none] [--native-sidecars[=${NATIVE_SIDECAR_MODES.join('|')}]]

Runs the embedded Kubernetes-compatible cluster with Istio emulated, in the foreground.
  --kubeconfig FILE     where to write the kubeconfig (default: a new temporary directory)
  --istio-profile NAME  Istio profile to install (default: demo)
  --addons LIST         observability addons in istio-system, comma-separated from ${ADDONS.join(', ')},
                        or none (default: all of them, as a tutorial sets up; none without Istio)
  --native-sidecars[=MODE]
                        istiod's ENABLE_NATIVE_SIDECARS: true (the flag alone) or false forces native sidecars
                        (istio-proxy as an init container, restartPolicy Always) on or off; auto (default, as
                        Istio does) injects them because the node's kubelet is 1.33 or newer
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
  nativeSidecars: NativeSidecarMode;
  help: boolean;
}

/** Flag -> the name of its value, or undefined for a flag that takes none. */
const FLAGS: Record<string, string | undefined> = {
  '--kubeconfig': 'FILE',
  '--istio-profile': 'NAME',
  '--addons': 'LIST',
  '--native-sidecars': undefined,
  '--help': undefined,
};

/** Throws the CLI's UsageError (one line, the closest valid input, exit code 2), as `meshspec run` does. */
function parseArgs(argv: string[]): ParsedArgs {
  const parsed: ParsedArgs = { profile: 'demo', addons: [...ADDONS], nativeSidecars: 'auto', help: false };
  let addonsGiven = false;
  for (let i = 0; i < argv.length; i++) {
    const equals = argv[i].indexOf('=');
    const [flag, inline] = equals === -1 ? [argv[i], undefined] : [argv[i].slice(0, equals), argv[i].slice(equals + 1)];
    if (flag === '-h') {
      parsed.help = true;
      continue;
    }
    if (!Object.hasOwn(FLAGS, flag)) throw unknownArgument(argv[i], flag);
    const valueName = FLAGS[flag];
    if (flag === '--native-sidecars') {
      parsed.nativeSidecars = parseNativeSidecars(inline ?? 'true');
      continue;
    }
    if (valueName === undefined) {
      if (inline !== undefined) throw new UsageError(`${flag} takes no value`);
      parsed.help = true;
      continue;
    }
    const value = inline ?? argv[++i];
    // `--kubeconfig --native-sidecars`: the next flag is not the value.
    if (!value || (inline === undefined && value.startsWith('--'))) throw new UsageError(`${flag} needs a value (${valueName})`);
    if (flag === '--kubeconfig') parsed.kubeconfig = value;
    else if (flag === '--istio-profile') parsed.profile = parseProfile(value);
    else {
      addonsGiven = true;
      parsed.addons = parseAddons(value);
    }
  }
  if (parsed.profile === 'none') {
    if (addonsGiven && parsed.addons.length > 0) throw new UsageError('--addons needs Istio in istio-system: leave out --istio-profile none, or the addons');
    parsed.addons = [];
  }
  return parsed;
}

function unknownArgument(arg: string, flag: string): UsageError {
  const flags = Object.keys(FLAGS);
  // `-kubeconfig`: the flag, with one dash too few.
  const suggestion = closest(
    flag.replace(/^-+/, ''),
    flags.map((known) => known.slice(2)),
  );
  const what = arg.startsWith('-') ? `unknown option ${flag}` : `unexpected argument "${arg}"`;
  return new UsageError(`${what} for \`meshspec sim\`${suggestion ? '' : `; valid options: ${flags.join(', ')}`}`, suggestion && `--${suggestion}`);
}

function parseProfile(value: string): SimIstioProfileOption {
  if (!(PROFILES as string[]).includes(value)) {
    throw new UsageError(`--istio-profile ${value}: not one of ${PROFILES.join(', ')}`, closest(value, PROFILES));
  }
  return value as SimIstioProfileOption;
}

function parseNativeSidecars(value: string): NativeSidecarMode {
  if (!(NATIVE_SIDECAR_MODES as string[]).includes(value)) {
    const suggestion = closest(value, NATIVE_SIDECAR_MODES);
    throw new UsageError(`--native-sidecars=${value}: not one of ${NATIVE_SIDECAR_MODES.join(', ')}`, suggestion && `--native-sidecars=${suggestion}`);
  }
  return value as NativeSidecarMode;
}

function parseAddons(list: string): Addon[] {
  if (list === 'none') return [];
  const names = list.split(',').map((name) => name.trim());
  const unknown = names.filter((name) => !(ADDONS as readonly string[]).includes(name));
  if (unknown.length > 0) {
    // The whole list again, each misspelt name replaced by its closest addon, when every one has one.
    const corrected = names.map((name) => ((ADDONS as readonly string[]).includes(name) ? name : closest(name, ADDONS)));
    throw new UsageError(
      `--addons ${list}: ${unknown.map((name) => `"${name}"`).join(', ')} not among ${ADDONS.join(', ')} (or none)`,
      corrected.every(Boolean) ? `--addons ${corrected.join(',')}` : undefined,
    );
  }
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

/**
 * Returns the exit code: 0 after a clean stop, 1 when the cluster could not start. Bad arguments
 * throw a UsageError before anything starts, which the CLI prints and exits 2 on, as for `meshspec run`.
 */
export async function runSimCommand(argv: string[], io: SimCommandIo = { out: (l) => console.log(l), err: (l) => console.error(l) }): Promise<number> {
  const args = parseArgs(argv);
  if (args.help) {
    io.out(USAGE);
    return 0;
  }
  // Listen before starting, so a signal during startup is not lost and stops the cluster once it is up.
  const stopRequested = io.stopSignal ?? signals();
  let sim: Awaited<ReturnType<typeof startSim>>;
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
  const istio =
    args.profile === 'none' ? 'not installed' : `${sim.istioVersion} ${args.profile}${args.addons.length > 0 ? ` with ${args.addons.join(', ')}` : ''}`;
  io.out(
    `meshspec sim ready: kubeconfig ${sim.kubeconfigPath} (context ${sim.context}, API ${sim.server}, Istio ${istio}${ingress ? `, ingress http://${ingress.host}:${ingress.port}` : ''}); stop with Ctrl-C`,
  );
  await stopRequested;
  await sim.stop();
  return 0;
}
