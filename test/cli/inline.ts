/**
 * Runs the built `meshspec` CLI on spec files written to a temporary directory, in the style
 * of Playwright's runInlineTest. Uses dist/: `pnpm test` builds first; alone, run `pnpm build`.
 */
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const cliBin = path.join(repoRoot, 'dist/harness/cli/bin.js');

export interface CliResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** stdout and stderr interleaved, as a terminal shows them. */
  all: string;
  /** The temporary directory the CLI ran in. */
  dir: string;
}

export async function runInlineCli(files: Record<string, string>, args: string[]): Promise<CliResult> {
  const { subprocess, dir } = startInlineCli(files, args);
  const result = await subprocess;
  return { exitCode: result.exitCode ?? 1, stdout: result.stdout, stderr: result.stderr, all: result.all, dir };
}

/**
 * Starts the CLI without waiting for it, for tests that interact with the running process;
 * `detached` gives it a process group of its own, as a terminal's foreground job has.
 */
export function startInlineCli(files: Record<string, string>, args: string[], { detached = false } = {}) {
  if (!existsSync(cliBin)) throw new Error(`${cliBin} is missing: run \`pnpm build\` first`);
  const dir = mkdtempSync(path.join(tmpdir(), 'meshspec-cli-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  const subprocess = execa('node', [cliBin, ...args], { cwd: dir, reject: false, all: true, detached, env: { NO_COLOR: '1' } });
  return { subprocess, dir };
}

/** A minimal valid spec. */
export function validSpec(name: string, tags: string[] = [], title = `Title of ${name}`): string {
  return `# yaml-language-server: $schema=../schema/spec.schema.json
name: ${name}
title: ${title}
source: Tutorial / ${name}
tags: [${tags.join(', ')}]
steps:
  - sleep: 10ms
`;
}
