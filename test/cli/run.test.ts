/** `meshspec run` end to end on the embedded cluster (sim), with specs written to a temp dir. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runInlineCli } from './inline.js';

const passing = `name: smoke
title: A namespace and a pause
source: Test / Smoke
tags: [smoke]
steps:
  - sleep: 10ms
`;
const failing = `name: broken-rollout
title: A rollout that never comes
source: Test / Failing
steps:
  - sleep: 10ms
  - name: nothing to roll out
    timeout: 2s
    wait: { rollout: nope }
  - sleep: 10ms
`;

describe('meshspec run on sim', () => {
  it('runs the selected scenarios and writes the JUnit and HTML reports', async () => {
    const result = await runInlineCli({ 'specs/smoke.spec.yaml': passing, 'specs/failing.spec.yaml': failing }, [
      'run',
      '--filter',
      'smoke',
      '--istioctl',
      '/nowhere/istioctl',
    ]);
    expect(result.exitCode).toBe(0);
    expect(result.stderr.split('\n')[0]).toMatch(/^meshspec: provider sim, an emulation .*`pnpm test:e2e`/);
    // The sim has no istioctl: the flag reaches it, and is noted rather than refused.
    expect(result.stderr.split('\n')[1]).toBe('--istioctl /nowhere/istioctl is ignored: the sim has no istioctl.');
    expect(result.stdout).toContain('Tests  1 passed (1)');
    expect(result.stdout).not.toContain('broken-rollout');
    expect(existsSync(path.join(result.dir, 'meshspec-report/junit.xml'))).toBe(true);
    expect(existsSync(path.join(result.dir, 'meshspec-report/index.html'))).toBe(true);
    expect(result.stdout).toContain(`HTML report written to ${path.join(result.dir, 'meshspec-report/index.html')}`);
  });

  it('reports a failing step at its YAML line and skips the rest of its scenario', async () => {
    const result = await runInlineCli({ 'specs/failing.spec.yaml': failing }, ['run']);
    expect(result.exitCode).toBe(1);
    expect(result.all).toContain('FAIL  specs/failing.spec.yaml:6:5 > broken-rollout: A rollout that never comes > nothing to roll out');
    expect(result.all).toMatch(/Tests {2}1 failed \| 1 passed \| 1 skipped \(3\)/);
  });
});
