/**
 * A stand-in for harness/runner/runtime.ts in tests of the plugin: steps whose name starts
 * with "fail" throw, later steps are skipped, and every call is logged to stdout.
 */
import type { TestContext } from 'vitest';

interface Meta {
  file: string;
  rootDir: string;
}

export function scenarioRun(scenario: { name: string; steps: { name?: string }[] }, meta: Meta) {
  let failed: string | undefined;
  return {
    async setup() {
      console.log(`setup ${scenario.name} ${meta.file}`);
    },
    async teardown() {
      console.log(`teardown ${scenario.name}`);
    },
    skipReason(_index: number) {
      return failed ? `an earlier step failed: ${failed}` : undefined;
    },
    async runStep(index: number, ctx: TestContext) {
      const name = scenario.steps[index].name ?? `step ${index}`;
      console.log(`run ${scenario.name} ${index} ${ctx.task.name}`);
      if (name.startsWith('fail')) {
        failed = name;
        throw new Error(`step failed on purpose: ${name}`);
      }
    },
  };
}
