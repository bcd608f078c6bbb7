import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseSpec } from '../../spec/index.js';
import { UsageError } from '../errors.js';
import { parseCli, type CliOptions } from '../options.js';
import { reporterOptions, runSettings } from './run.js';

const spec = (name: string, profile?: string, addons: string[] = []) =>
  parseSpec(
    `name: ${name}\ntitle: T\nsource: S\n${profile ? `istio: { profile: ${profile}, addons: [${addons.join(', ')}] }\n` : ''}steps:\n  - sleep: 1s\n`,
    `/repo/specs/${name}.spec.yaml`,
    '/repo',
  ).spec!;

function optionsOf(argv: string[]): CliOptions {
  const parsed = parseCli(['run', ...argv]);
  if (parsed.command !== 'run') throw new Error('not a run command');
  return parsed.options;
}

describe('runSettings', () => {
  it('turns flags into provider settings, with the profiles and addons the selected scenarios need', () => {
    const options = optionsOf([
      '--provider',
      'kubeconfig',
      '--istio',
      '1.29.6',
      '--reuse',
      '--context',
      'eks',
      '--allow-context',
      'eks',
      '--allow-context',
      'gke',
      '--install-istio',
      '--echo-image',
      'ghcr.io/me/echo:1',
      '--ingress-gateway',
      'istio-ingress/istio-ingress',
      '--istioctl',
      '/opt/istioctl',
    ]);
    expect(runSettings(options, [spec('a', 'minimal', ['kiali']), spec('b'), spec('c', 'minimal', ['jaeger', 'kiali'])], '/repo', 'run-1')).toEqual({
      provider: 'kubeconfig',
      istioVersion: '1.29.6',
      reuse: true,
      profiles: ['demo', 'minimal'],
      addons: ['kiali', 'jaeger'],
      rootDir: '/repo',
      artifactsDir: '/repo/.meshspec/runs/run-1',
      providerSettings: {
        kubeconfig: undefined,
        context: 'eks',
        allowContext: 'eks,gke',
        installIstio: 'true',
        echoImage: 'ghcr.io/me/echo:1',
        ingressGateway: 'istio-ingress/istio-ingress',
        istioctl: '/opt/istioctl',
      },
    });
  });

  it('defaults to sim and ignores MESHSPEC_* variables, which are for runs of Vitest itself', () => {
    process.env.MESHSPEC_PROVIDER = 'kind';
    try {
      expect(runSettings(optionsOf([]), [spec('a')], '/repo', 'run-2')).toMatchObject({ provider: 'sim', reuse: false, profiles: ['demo'], addons: [] });
    } finally {
      delete process.env.MESHSPEC_PROVIDER;
    }
  });
});

describe('reporterOptions', () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'meshspec-reporters-'));
  const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
  const html = expect.objectContaining({ onTestRunEnd: expect.any(Function) });

  it('writes the terminal output, a JUnit file and the HTML report by default', () => {
    expect(reporterOptions(optionsOf([]), '/repo')).toEqual({
      reporters: ['default', 'junit', html],
      outputFile: { junit: '/repo/meshspec-report/junit.xml' },
    });
  });

  it('writes both reports to the folder of --report-dir, relative to the root', () => {
    const { reporters, outputFile } = reporterOptions(optionsOf(['--report-dir', 'out/reports']), '/repo');
    expect(outputFile).toEqual({ junit: '/repo/out/reports/junit.xml' });
    expect(reporters[2]).toMatchObject({ outputFile: '/repo/out/reports/index.html' });
    expect(reporterOptions(optionsOf(['--report-dir', '/ci/artifacts']), '/repo').outputFile).toEqual({ junit: '/ci/artifacts/junit.xml' });
  });

  it('keeps the reporters the user chose, and the HTML report', () => {
    expect(reporterOptions(optionsOf(['--reporter', 'dot', '--reporter', 'json', '--outputFile.json=r.json']), '/repo')).toEqual({
      reporters: ['dot', 'json', html],
      outputFile: { json: 'r.json' },
    });
    expect(reporterOptions(optionsOf(['--reporter', 'json', '--outputFile', 'r.json']), '/repo')).toEqual({ reporters: ['json', html], outputFile: 'r.json' });
  });

  it('takes a reporter file or an installed package by its name', () => {
    writeFileSync(path.join(scratch, 'reporter.mjs'), 'export default class {}\n');
    expect(reporterOptions(optionsOf(['--reporter', './reporter.mjs']), scratch)).toMatchObject({ reporters: ['./reporter.mjs', html] });
    // This repository has Vitest installed, which (as any package) could be a reporter.
    expect(reporterOptions(optionsOf(['--reporter', 'vitest']), repoRoot)).toMatchObject({ reporters: ['vitest', html] });
  });

  it.each([
    [
      ['--reporter', 'verbos'],
      /^--reporter verbos: not one of Vitest's reporters \(default, .*\bjunit\b.*\), nor a file or an installed package; did you mean verbose\?/,
    ],
    [['--reporter', './missing-reporter.mjs'], "--reporter ./missing-reporter.mjs: not one of Vitest's reporters"],
    [['--outputFile.junt=j.xml'], '--outputFile.junt: no reporter "junt" in this run (reporters: default, junit); did you mean --outputFile.junit?'],
    [['--reporter', 'dot', '--outputFile.json=r.json'], '--outputFile.json: no reporter "json" in this run (reporters: dot) (see `meshspec help`)'],
    // @vitest/ui is not among this repository's packages.
    [
      ['--reporter', 'html'],
      /^--reporter html: Vitest's HTML reporter needs the @vitest\/ui package \(pnpm add -D @vitest\/ui@4\.\d+\.\d+\); meshspec's own HTML report is written to meshspec-report\/index.html/,
    ],
  ])('refuses %j before any cluster comes up', (argv, message) => {
    expect(() => reporterOptions(optionsOf(argv), scratch)).toThrow(UsageError);
    expect(() => reporterOptions(optionsOf(argv), scratch)).toThrow(message);
  });

  it('refuses a single output file next to per-reporter ones', () => {
    expect(() => reporterOptions(optionsOf(['--outputFile', 'a', '--outputFile.junit=b']), '/repo')).toThrow(
      'use either --outputFile FILE or --outputFile.REPORTER=FILE, not both',
    );
  });
});
