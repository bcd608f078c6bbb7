/**
 * Prerequisite checks run before anything is created: every missing piece is reported at once,
 * each with how to install it, so a newcomer fixes them all in one go.
 */
import { ProviderError } from '../../contract/cluster.js';

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
    throw new ProviderError(
      missing.map((m) => `- ${m.problem}`).join('\n'),
      missing.map((m) => `- ${m.fix}`).join('\n'),
    );
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
