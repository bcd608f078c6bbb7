/**
 * What a failed step shows: the error's own message, then the step's log and diagnostics,
 * without the harness's stack frames (users read the YAML, not our call stack). Frames of the
 * spec's generated test module stay: through its source map they point at the step's line.
 */
export interface FailureDetails {
  specFile: string;
  /** Lines the step logged, shown only now that it failed. */
  log?: string[];
  /** A short summary of the namespace's state (events, pods), if collected. */
  diagnostics?: string;
}

/** The error as the user sees it, for a failed step or a failed scenario setup or teardown. */
export function presentFailure(error: unknown, details: FailureDetails): Error {
  const failure = error instanceof Error ? error : new Error(String(error));
  const indent = (lines: string[]) => lines.map((line) => `  ${line}`).join('\n');
  const sections = [
    details.log?.length ? `Step log:\n${indent(details.log)}` : '',
    details.diagnostics ? `Diagnostics:\n${indent(details.diagnostics.split('\n'))}` : '',
  ].filter(Boolean);
  // Assertion errors keep their identity (Vitest reads expected/actual from them); only the text grows.
  failure.message = [failure.message, ...sections].join('\n\n');
  failure.stack = [`${failure.name}: ${failure.message}`, ...specFrames(new Error().stack ?? '', details.specFile)].join('\n');
  return failure;
}

function specFrames(stack: string, specFile: string): string[] {
  return stack.split('\n').filter((line) => /^\s+at /.test(line) && line.includes(specFile));
}
