/**
 * The command line as one typed table: commands, their options, and `parseCli`, which turns
 * argv into a typed command or throws a UsageError that names the valid choices.
 */
import { PROVIDER_NAMES } from '../plugin/options.js';
import { resolveIstioVersion, SUPPORTED_ISTIO } from '../providers/istio/versions.js';
import { ProviderError, type ProviderName } from '../contract/cluster.js';
import { closest } from '../spec/closest.js';
import { UsageError } from './errors.js';

const COMMANDS = {
  run: { args: '[paths...]', summary: 'run scenarios (default: every spec under specs/) on a cluster' },
  validate: { args: '[paths...]', summary: 'check specs without a cluster; exit 0 when valid, 1 otherwise' },
  list: { args: '[paths...]', summary: 'list scenarios: name, title, tags, source' },
  sim: { args: '[options]', summary: 'run the embedded cluster in the foreground (see `meshspec sim --help`)' },
  help: { args: '', summary: 'show this help' },
} as const;
type CommandName = keyof typeof COMMANDS;

interface OptionSpec {
  type: 'string' | 'boolean';
  /** Allowed values, for the message when another is given. */
  values?: readonly string[];
  /** What is wrong with a value and which ones are valid, or undefined when it is fine. */
  check?: (value: string) => string | undefined;
  commands: readonly CommandName[];
  valueName?: string;
  description: string;
}

const OPTIONS = {
  provider: {
    type: 'string',
    values: PROVIDER_NAMES,
    commands: ['run'],
    valueName: 'NAME',
    description: `cluster provider: ${PROVIDER_NAMES.join(', ')} (default sim)`,
  },
  filter: {
    type: 'string',
    commands: ['run', 'list'],
    valueName: 'X',
    description: 'scenarios whose name is X, or starts with X, or that have tag X (repeatable: any of them)',
  },
  istio: {
    type: 'string',
    commands: ['run'],
    valueName: 'VERSION',
    check: unsupportedIstio,
    description: `Istio version to install (kind) or emulate (sim): ${SUPPORTED_ISTIO.map((release) => `${release.minor}.x${release.endOfLife ? ` (end of life ${release.endOfLife})` : ''}`).join(', ')}`,
  },
  reuse: { type: 'boolean', commands: ['run'], description: 'keep the cluster for the next run and reuse an existing one' },
  istioctl: {
    type: 'string',
    commands: ['run'],
    valueName: 'PATH',
    description: 'kind, kubeconfig: use this istioctl instead of downloading one (kind: of the --istio minor)',
  },
  'allow-context': {
    type: 'string',
    commands: ['run'],
    valueName: 'NAME',
    description: 'kubeconfig provider: allow running against this context (not kind, not sim)',
  },
  context: { type: 'string', commands: ['run'], valueName: 'NAME', description: 'kubeconfig provider: context to use (default: current)' },
  kubeconfig: {
    type: 'string',
    commands: ['run'],
    valueName: 'FILE',
    description: 'kubeconfig provider: kubeconfig file (default: $KUBECONFIG or ~/.kube/config)',
  },
  'install-istio': {
    type: 'boolean',
    commands: ['run'],
    description: 'kubeconfig provider: install Istio (and the addons scenarios need) when the cluster has none',
  },
  'echo-image': {
    type: 'string',
    commands: ['run'],
    valueName: 'REF',
    description: 'kubeconfig provider: where the cluster pulls the echo app (replaces meshspec/echo in manifests)',
  },
  'ingress-gateway': {
    type: 'string',
    commands: ['run'],
    valueName: 'NAMESPACE/NAME',
    description: "kubeconfig provider: the ingress gateway's Service, when the cluster has several or Istio's labels do not tell",
  },
  reporter: {
    type: 'string',
    commands: ['run'],
    valueName: 'NAME',
    description: 'Vitest reporter (default, verbose, dot, junit, json, ...) instead of the terminal output and JUnit file',
  },
  'report-dir': {
    type: 'string',
    commands: ['run'],
    valueName: 'DIR',
    description: "where the JUnit file and meshspec's HTML report go (default meshspec-report/)",
  },
  outputFile: {
    type: 'string',
    commands: ['run'],
    valueName: 'FILE',
    description: 'where a reporter writes; --outputFile.REPORTER=FILE for one of several',
  },
  json: { type: 'boolean', commands: ['list'], description: 'print JSON instead of a table' },
} as const satisfies Record<string, OptionSpec>;
type OptionName = keyof typeof OPTIONS;

export interface CliOptions {
  provider?: ProviderName;
  filter: string[];
  istio?: string;
  reuse: boolean;
  istioctl?: string;
  allowContext: string[];
  context?: string;
  kubeconfig?: string;
  installIstio: boolean;
  echoImage?: string;
  ingressGateway?: string;
  reporter: string[];
  reportDir?: string;
  /** `--outputFile FILE` is keyed "", `--outputFile.junit=FILE` is keyed "junit". */
  outputFile: Record<string, string>;
  json: boolean;
}

type ParsedCli =
  | { command: 'run' | 'validate' | 'list'; paths: string[]; options: CliOptions }
  | { command: 'sim'; argv: string[] }
  | { command: 'help' }
  | { command: 'version' };

export function parseCli(argv: readonly string[]): ParsedCli {
  const [first, ...rest] = argv;
  if (first === undefined || first === 'help' || first === '--help' || first === '-h') return { command: 'help' };
  if (first === '--version' || first === '-v') return { command: 'version' };
  if (first === 'sim') return { command: 'sim', argv: rest };
  if (first !== 'run' && first !== 'validate' && first !== 'list') throw unknownCommand(first);
  const command = first;
  const options: CliOptions = { filter: [], reuse: false, allowContext: [], installIstio: false, reporter: [], outputFile: {}, json: false };
  const paths: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (arg === '--help' || arg === '-h') return { command: 'help' };
    if (!arg.startsWith('--')) {
      if (arg.startsWith('-') && arg !== '-') throw unknownFlag(arg, command);
      paths.push(arg);
      continue;
    }
    const [flag, inlineValue] = splitFlag(arg.slice(2));
    const [name, subKey] = flag.startsWith('outputFile.') ? ['outputFile', flag.slice('outputFile.'.length)] : [flag, ''];
    if (!isOptionName(name) || !(OPTIONS[name].commands as readonly string[]).includes(command)) throw unknownFlag(`--${flag}`, command);
    const spec: OptionSpec = OPTIONS[name];
    if (spec.type === 'boolean') {
      if (inlineValue !== undefined) throw new UsageError(`--${name} takes no value`);
      setOption(options, name, true);
      continue;
    }
    const value = inlineValue ?? rest[++i];
    if (!value || (inlineValue === undefined && value.startsWith('--'))) {
      throw new UsageError(`--${flag} needs a value (${spec.valueName ?? 'VALUE'})`);
    }
    if (spec.values && !spec.values.includes(value)) {
      throw new UsageError(`--${name} ${value}: not one of ${spec.values.join(', ')}`, closest(value, spec.values));
    }
    const problem = spec.check?.(value);
    if (problem) throw new UsageError(`--${name} ${value}: ${problem}`);
    if (name === 'outputFile') options.outputFile[subKey] = value;
    else setOption(options, name, value);
  }
  return { command, paths, options };
}

function splitFlag(flag: string): [string, string | undefined] {
  const equals = flag.indexOf('=');
  return equals === -1 ? [flag, undefined] : [flag.slice(0, equals), flag.slice(equals + 1)];
}

function isOptionName(name: string): name is OptionName {
  return Object.hasOwn(OPTIONS, name);
}

/** Table key -> CliOptions field (kebab-case flags become camelCase fields); a list field collects every value given. */
function setOption(options: CliOptions, name: OptionName, value: string | boolean): void {
  const field = name.replace(/-(\w)/g, (_, letter: string) => letter.toUpperCase()) as keyof CliOptions;
  const current = options[field];
  if (Array.isArray(current)) current.push(value as string);
  else (options as unknown as Record<string, unknown>)[field] = value;
}

function unknownCommand(word: string): UsageError {
  const commands = Object.keys(COMMANDS);
  // `meshspec --filter x` is most likely a run without its command word.
  if (word.startsWith('--') && isOptionName(splitFlag(word.slice(2))[0])) {
    return new UsageError(`"${word}" is an option, not a command; commands: ${commands.join(', ')}`, `\`meshspec run ${word}\``);
  }
  const suggestion = closest(word, commands);
  return new UsageError(`unknown command "${word}"${suggestion ? '' : `; commands: ${commands.join(', ')}`}`, suggestion);
}

function unknownFlag(flag: string, command: CommandName): UsageError {
  const valid = optionsOf(command);
  const name = flag.replace(/^-+/, '');
  if (isOptionName(name)) {
    const owners: readonly CommandName[] = OPTIONS[name].commands;
    // `-filter`: the option, with one dash too few.
    if (owners.includes(command)) return new UsageError(`unknown option ${flag}`, `--${name}`);
    return new UsageError(`${flag} is not an option of \`meshspec ${command}\`, only of ${owners.map((owner) => `\`meshspec ${owner}\``).join(', ')}`);
  }
  if (valid.length === 0) return new UsageError(`unknown option ${flag}: \`meshspec ${command}\` takes no options`);
  const suggestion = closest(name, valid);
  return new UsageError(
    `unknown option ${flag} for \`meshspec ${command}\`${suggestion ? '' : `; valid options: ${valid.map((option) => `--${option}`).join(', ')}`}`,
    suggestion && `--${suggestion}`,
  );
}

/** resolveIstioVersion's own check, as a command-line message: the sim reports any version it is given. */
function unsupportedIstio(version: string): string | undefined {
  try {
    resolveIstioVersion(version);
    return undefined;
  } catch (error) {
    if (!(error instanceof ProviderError)) throw error;
    return `not a supported Istio version; supported: ${SUPPORTED_ISTIO.map((release) => `${release.minor}.x`).join(', ')} (e.g. ${SUPPORTED_ISTIO[0].latestPatch}, or ${SUPPORTED_ISTIO[0].minor} for its newest patch)`;
  }
}

function optionsOf(command: CommandName): OptionName[] {
  return (Object.keys(OPTIONS) as OptionName[]).filter((name) => (OPTIONS[name].commands as readonly string[]).includes(command));
}

/** The help text, generated from the tables above. */
export function helpText(): string {
  const lines = ['Usage: meshspec <command> [options]', '', 'Commands:'];
  for (const [name, command] of Object.entries(COMMANDS)) {
    lines.push(`  ${`${name} ${command.args}`.padEnd(22)}${command.summary}`);
  }
  for (const command of ['run', 'list'] as const) {
    lines.push('', `Options of ${command}:`);
    for (const name of optionsOf(command)) {
      const spec: OptionSpec = OPTIONS[name];
      const flag = `--${name}${spec.valueName ? ` ${spec.valueName}` : ''}`;
      lines.push(`  ${flag.padEnd(24)}${spec.description}`);
    }
  }
  lines.push(
    '',
    'Exit codes: 0 success, 1 failure or invalid specs, 2 a bad command line or a --filter that matched no scenario,',
    '  130 (143) interrupted by Ctrl-C (SIGTERM).',
    'Examples:',
    '  meshspec run --filter fault              the fault-injection scenarios on the embedded cluster',
    '  meshspec run --provider kind --istio 1.29.6',
    '  meshspec validate specs/',
  );
  return lines.join('\n');
}
