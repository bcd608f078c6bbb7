import { describe, expect, it } from 'vitest';
import { parseSpec, type LoadedSpec } from '../spec/index.js';
import { CliError } from './errors.js';
import { scenarioTable, selectSpecs } from './select.js';

function spec(name: string, tags: string[]): LoadedSpec {
  const source = `name: ${name}\ntitle: Title of ${name}\nsource: Tutorial / ${name}\ntags: [${tags.join(', ')}]\nsteps:\n  - sleep: 1s\n`;
  return parseSpec(source, `/repo/specs/${name}.spec.yaml`, '/repo').spec!;
}

const specs = [spec('fault-delay', ['fault']), spec('fault-abort', ['fault']), spec('canary-75-25', ['traffic', 'canary']), spec('mirror', ['traffic'])];
const names = (selected: LoadedSpec[]) => selected.map((s) => s.scenario.name);

describe('selectSpecs', () => {
  it('selects by exact name, tag or name prefix; several filters select any of them', () => {
    expect(names(selectSpecs(specs, []))).toEqual(['fault-delay', 'fault-abort', 'canary-75-25', 'mirror']);
    expect(names(selectSpecs(specs, ['mirror']))).toEqual(['mirror']);
    expect(names(selectSpecs(specs, ['canary']))).toEqual(['canary-75-25']);
    expect(names(selectSpecs(specs, ['fault-']))).toEqual(['fault-delay', 'fault-abort']);
    expect(names(selectSpecs(specs, ['fault-abort', 'traffic']))).toEqual(['fault-abort', 'canary-75-25', 'mirror']);
  });

  it('fails with exit code 2 and the available scenarios when nothing matches', () => {
    try {
      selectSpecs(specs, ['nothing-matches']);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(CliError);
      expect((error as CliError).exitCode).toBe(2);
      expect((error as CliError).message).toContain('no scenario matches --filter nothing-matches; available scenarios:\nNAME');
      expect((error as CliError).message).toContain('mirror        Title of mirror');
    }
  });
});

describe('scenarioTable', () => {
  it('aligns name, title, tags, source and file in columns', () => {
    expect(scenarioTable(specs.slice(2)).split('\n')).toEqual([
      'NAME          TITLE                  TAGS            SOURCE                   FILE',
      'canary-75-25  Title of canary-75-25  traffic,canary  Tutorial / canary-75-25  /repo/specs/canary-75-25.spec.yaml',
      'mirror        Title of mirror        traffic         Tutorial / mirror        /repo/specs/mirror.spec.yaml',
    ]);
  });
});
