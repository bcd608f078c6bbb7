import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, runInlineCli, validSpec } from './inline.js';

const catalogue = {
  'specs/fault/delay.spec.yaml': validSpec('fault-delay', ['fault']),
  'specs/fault/abort.spec.yaml': validSpec('fault-abort', ['fault']),
  'specs/canary.spec.yaml': validSpec('canary-75-25', ['traffic', 'canary'], 'Canary 75/25'),
};

describe('meshspec validate', () => {
  it('lists every error of every broken spec with file:line:col and exits 1', async () => {
    const result = await runInlineCli(
      {
        'specs/a.spec.yaml': 'name: a\ntitle: A\nsource: S\ncolour: red\nsteps:\n  - aply: x.yaml\n  - apply: manifests/missing.yaml\n',
        'specs/b.spec.yaml':
          'name: b\ntitle: B\nsource: S\nsteps:\n  - traffic: { from: client, to: http://x/ }\n    expect: { toSplitTraffic: { split: { v1: 50, v2: 40 } } }\n  - sleep: soon\n',
        'specs/c.spec.yaml': 'name: c\ntitle: [unclosed\n',
        'specs/d.spec.yaml': validSpec('a'),
      },
      ['validate'],
    );
    expect(result.exitCode).toBe(1);
    expect(result.stderr.trim().split('\n')).toEqual([
      'meshspec: 8 errors in 4 spec files:',
      'specs/a.spec.yaml:1:7: duplicate scenario name "a": also at specs/d.spec.yaml:2:7; names must be unique',
      'specs/a.spec.yaml:4:1: unknown key "colour"; allowed keys: name, title, source, tags, mesh, istio, timeout, steps',
      expect.stringMatching(/^specs\/a\.spec\.yaml:6:5: unknown step kind "aply" \(did you mean "apply"\?\); allowed kinds: apply, /),
      expect.stringMatching(/^specs\/a\.spec\.yaml:7:12: manifest not found: manifests\/missing\.yaml/),
      'specs/b.spec.yaml:6:40: split percentages add up to 90; they must add up to 100',
      'specs/b.spec.yaml:7:12: sleep "soon" is not valid: expected a duration such as "500ms", "3s" or "2m"',
      expect.stringMatching(/^specs\/c\.spec\.yaml:\d+:\d+: not valid YAML: /),
      'specs/d.spec.yaml:2:7: duplicate scenario name "a": also at specs/a.spec.yaml:1:7; names must be unique',
      '  hint: the schema is in schema/spec.schema.json; see "Spec reference" in README.md',
    ]);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 0 for valid specs, given as files or directories', async () => {
    const result = await runInlineCli(catalogue, ['validate', 'specs/fault', 'specs/canary.spec.yaml']);
    expect(result).toMatchObject({ exitCode: 0, stdout: '3 specs valid' });
  });

  it('exits 1 for a path that does not exist', async () => {
    const result = await runInlineCli({}, ['validate', 'nowhere']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('meshspec: no such file or directory: nowhere');
  });
});

describe('meshspec list', () => {
  it('prints name, title, tags and source as an aligned table', async () => {
    const result = await runInlineCli(catalogue, ['list']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout.split('\n')).toEqual([
      'NAME          TITLE                 TAGS            SOURCE                   FILE',
      'canary-75-25  Canary 75/25          traffic,canary  Tutorial / canary-75-25  specs/canary.spec.yaml',
      'fault-abort   Title of fault-abort  fault           Tutorial / fault-abort   specs/fault/abort.spec.yaml',
      'fault-delay   Title of fault-delay  fault           Tutorial / fault-delay   specs/fault/delay.spec.yaml',
    ]);
  });

  it('prints JSON with --json, filtered by tag', async () => {
    const result = await runInlineCli(catalogue, ['list', '--json', '--filter', 'fault']);
    expect(JSON.parse(result.stdout)).toEqual([
      { name: 'fault-abort', title: 'Title of fault-abort', tags: ['fault'], source: 'Tutorial / fault-abort', file: 'specs/fault/abort.spec.yaml' },
      { name: 'fault-delay', title: 'Title of fault-delay', tags: ['fault'], source: 'Tutorial / fault-delay', file: 'specs/fault/delay.spec.yaml' },
    ]);
  });
});

describe('meshspec run', () => {
  it('exits 2 and lists the available scenarios when a filter matches nothing', async () => {
    const result = await runInlineCli(catalogue, ['run', '--provider', 'kind', '--filter', 'nothing-matches']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain('meshspec: no scenario matches --filter nothing-matches; available scenarios:');
    expect(result.stderr).toContain('canary-75-25  Canary 75/25');
    expect(result.stderr).toContain('fault-delay');
  });

  it('refuses invalid specs before any cluster is created', async () => {
    const result = await runInlineCli({ 'specs/x.spec.yaml': 'name: x\ntitle: X\nsource: S\nsteps:\n  - slep: 1s\n' }, ['run']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('specs/x.spec.yaml:5:5: unknown step kind "slep"');
    expect(result.stderr).not.toContain('meshspec: provider');
  });

  it.each([
    [['run', '--provder', 'kind'], 'meshspec: unknown option --provder for `meshspec run`; did you mean --provider? (see `meshspec help`)'],
    [['rnu'], 'meshspec: unknown command "rnu"; did you mean run? (see `meshspec help`)'],
    [
      ['run', '--istio', '1.2'],
      'meshspec: --istio 1.2: not a supported Istio version; supported: 1.31.x, 1.30.x, 1.29.x (e.g. 1.31.1, or 1.31 for its newest patch) (see `meshspec help`)',
    ],
    [
      ['run', '--reporter', 'verbos'],
      expect.stringMatching(/^meshspec: --reporter verbos: not one of Vitest's reporters .*; did you mean verbose\? \(see `meshspec help`\)$/),
    ],
  ])('rejects %j in one line with a suggestion, exit code 2 and no cluster', async (args, line) => {
    const result = await runInlineCli(catalogue, args);
    expect(result.exitCode).toBe(2);
    expect(result.stderr.trim()).toEqual(line);
    expect(result.all).not.toContain('provider sim');
  });
});

describe('meshspec sim', () => {
  it('hands its arguments to the embedded cluster command', async () => {
    const result = await runInlineCli({}, ['sim', '--help']);
    expect(result.exitCode).toBe(0);
    expect(result.all).toMatch(/^usage: meshspec sim /);
  });
});

describe('meshspec --version and help', () => {
  it('prints the package version', async () => {
    const { version } = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    expect((await runInlineCli({}, ['--version'])).stdout).toBe(version);
  });

  it('prints usage for help and for no arguments', async () => {
    const result = await runInlineCli({}, []);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^Usage: meshspec <command> \[options\]/);
  });
});
