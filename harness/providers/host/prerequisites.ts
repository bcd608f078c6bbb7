/**
 * Prerequisite checks run before anything is created: every missing piece is reported at once,
 * each with how to install it, so a newcomer fixes them all in one go.
 */
import { ProviderError } from '../../contract/cluster.js';
import { ToolNotFoundError, tryTool, type ToolResult } from './tools.js';

interface MissingPrerequisite {
  /** What is wrong, e.g. "kind was not found (looked for `kind` on PATH)". */
  problem: string;
  /** How to fix it. */
  fix: string;
}

/**
 * A check answers with a description of what it found, or what is missing; a check for a conflict
 * (a name taken by something of the user's) may have nothing to describe.
 */
export type PrerequisiteCheck = () => Promise<{ found?: string } | MissingPrerequisite>;

/** Runs every check; returns what was found, or throws one ProviderError naming each missing piece. */
export async function checkPrerequisites(checks: readonly PrerequisiteCheck[]): Promise<string[]> {
  const outcomes = await Promise.all(checks.map((check) => check()));
  const missing = outcomes.filter((o): o is MissingPrerequisite => 'problem' in o);
  if (missing.length > 0) {
    throw new ProviderError(missing.map((m) => `- ${m.problem}`).join('\n'), missing.map((m) => `- ${m.fix}`).join('\n'));
  }
  return outcomes.flatMap((o) => ('found' in o && o.found ? [o.found] : []));
}

/** "kind v0.27.0 go1.23.4 linux/amd64" -> [0, 27, 0]; null when no version is in the text. */
export function parseVersion(text: string): [number, number, number] | null {
  const match = /v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(text);
  return match ? [Number(match[1]), Number(match[2]), Number(match[3] ?? 0)] : null;
}

export function isAtLeast(version: [number, number, number], minimum: [number, number, number]): boolean {
  for (let i = 0; i < 3; i++) if (version[i] !== minimum[i]) return version[i] > minimum[i];
  return true;
}

/**
 * The tool's answer; null when it is not there, `cannotRun` when it is but does not start or hangs
 * (not executable, a hung Docker engine). Both are missing pieces, reported beside the others.
 */
export async function probeTool(file: string, args: string[]): Promise<ToolResult | { cannotRun: ProviderError } | null> {
  try {
    return await tryTool(file, args, { timeoutMs: 30_000 });
  } catch (error) {
    if (error instanceof ToolNotFoundError) return null;
    if (error instanceof ProviderError) return { cannotRun: error };
    throw error;
  }
}

/**
 * kubectl on PATH, which scenarios' `exec` steps run. `kubectl version --client --output=json`
 * prints {"clientVersion": {"gitVersion": "v1.36.3", ...}, "kustomizeVersion": ...}
 * (kubernetes/kubectl@v0.36.3 pkg/cmd/version/version.go Version; k8s.io/apimachinery
 * pkg/version Info).
 */
export function kubectlCheck(kubectl = 'kubectl'): PrerequisiteCheck {
  const install =
    "Install kubectl (https://kubernetes.io/docs/tasks/tools/#kubectl) and put it on PATH: scenarios' exec steps run it. Take one within one minor of the cluster's Kubernetes (Kubernetes version skew policy).";
  return async () => {
    const result = await probeTool(kubectl, ['version', '--client', '--output=json']);
    if (result === null) return { problem: `kubectl was not found (looked for \`${kubectl}\`${kubectl === 'kubectl' ? ' on PATH' : ''}).`, fix: install };
    if ('cannotRun' in result) return { problem: result.cannotRun.message, fix: result.cannotRun.hint ?? install };
    let version: unknown;
    try {
      version = (JSON.parse(result.stdout) as { clientVersion?: { gitVersion?: unknown } }).clientVersion?.gitVersion;
    } catch {
      version = undefined;
    }
    if (result.exitCode !== 0 || typeof version !== 'string' || !version) {
      return {
        problem: `\`${kubectl} version --client --output=json\` did not report a client version: ${(result.stderr || result.stdout).trim().split('\n')[0]}`,
        fix: install,
      };
    }
    return { found: `kubectl ${version}` };
  };
}
