/**
 * What a failed step shows: the error's own message, then the step's log, without the
 * harness's stack frames (users read the YAML, not our call stack). Frames of the spec's
 * generated test module stay: through its source map they point at the step's line. The
 * diagnostics are not part of the message: they travel as an annotation (runner/diagnostics.ts),
 * which reporters show after it.
 */
interface FailureDetails {
  specFile: string;
  /** Lines the step logged, shown only now that it failed. */
  log?: string[];
}

/** The error as the user sees it, for a failed step or a failed scenario setup or teardown. */
export function presentFailure(error: unknown, details: FailureDetails): Error {
  const failure = error instanceof Error ? error : new Error(String(error));
  // Assertion errors keep their identity (Vitest reads expected/actual from them); only the text grows.
  if (details.log?.length) failure.message += `\n\nStep log:\n${details.log.map((line) => `  ${line}`).join('\n')}`;
  failure.stack = [`${failure.name}: ${failure.message}`, ...specFrames(new Error().stack ?? '', details.specFile)].join('\n');
  return failure;
}

function specFrames(stack: string, specFile: string): string[] {
  return stack.split('\n').filter((line) => /^\s+at /.test(line) && line.includes(specFile));
}
