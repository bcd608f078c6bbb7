/**
 * Running the command-line tools providers depend on (docker, kind, istioctl). Argument arrays
 * only; a tool that fails becomes a ProviderError carrying its stderr, never a stack trace.
 */
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { execa, type Options } from 'execa';
import { ProviderError } from '../../contract/cluster.js';

/** The tool is not installed (or not where it was said to be). */
export class ToolNotFoundError extends ProviderError {
  constructor(readonly tool: string) {
    super(`${tool} was not found.`, `Install ${tool} or put it on PATH.`);
  }
}

export interface ToolResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

interface RunOptions {
  /** Written to the tool's stdin. */
  input?: string;
  /** Called with each line the tool prints, for progress on long commands. */
  onLine?: (line: string) => void;
  env?: Record<string, string>;
  /** Required: a tool that hangs (a stuck Docker engine) must end the run with an error, not stall it. */
  timeoutMs: number;
}

/** A query or small change (inspect, start, exec, network connect) answers in seconds unless the engine hangs. */
export const QUICK_TIMEOUT_MS = 60_000;
/** A command that may pull an image or tear down a cluster. */
export const SLOW_TIMEOUT_MS = 10 * 60_000;

/** Runs a tool and returns its exit code and output; failure to start is the only error. */
export async function tryTool(file: string, args: readonly string[], options: RunOptions): Promise<ToolResult> {
  const execaOptions: Options = {
    reject: false,
    // No input means no stdin at all: a tool that waits on stdin must not hang the run.
    ...(options.input === undefined ? { stdin: 'ignore' as const } : { input: options.input }),
    env: options.env,
    timeout: options.timeoutMs,
    stripFinalNewline: true,
  };
  const child = execa(file, args, execaOptions);
  if (options.onLine) forwardLines(child, options.onLine);
  const result = await child;
  if (result.failed && result.exitCode === undefined) {
    const code = (result.cause as NodeJS.ErrnoException | undefined)?.code;
    if (code === 'ENOENT') throw new ToolNotFoundError(file);
    if (result.timedOut) {
      throw new ProviderError(
        `${file} ${args.join(' ')} did not finish within ${options.timeoutMs / 1000} s and was stopped.`,
        `Run it by hand to see whether it hangs (a stuck Docker engine, an unreachable network), fix that, and retry.`,
      );
    }
    const cause = (result.cause as Error | undefined)?.message ?? result.shortMessage;
    throw new ProviderError(`${file} could not be started: ${cause}`, code === 'EACCES' ? `Make it executable: chmod +x ${file}` : undefined);
  }
  return { exitCode: result.exitCode ?? 1, stdout: String(result.stdout ?? ''), stderr: String(result.stderr ?? '') };
}

/** Runs a tool that must succeed; its stderr becomes the error message. */
export async function runTool(file: string, args: readonly string[], options: RunOptions): Promise<string> {
  const result = await tryTool(file, args, options);
  if (result.exitCode !== 0) {
    throw new ProviderError(`${file} ${args.join(' ')} failed (exit ${result.exitCode}): ${lastLines(result.stderr || result.stdout)}`);
  }
  return result.stdout;
}

function forwardLines(child: ReturnType<typeof execa>, onLine: (line: string) => void): void {
  for (const stream of [child.stdout, child.stderr]) {
    let pending = '';
    stream?.on('data', (chunk: Buffer) => {
      const lines = (pending + chunk.toString('utf8')).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) onLine(line.trim());
    });
  }
}

function lastLines(text: string, count = 5): string {
  return text.trim().split('\n').slice(-count).join('\n');
}

/** Absolute path of an executable found on PATH, or null. */
export async function findOnPath(name: string, env: NodeJS.ProcessEnv = process.env): Promise<string | null> {
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return null;
}
