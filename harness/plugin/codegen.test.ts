import { describe, expect, it } from 'vitest';
import { parseSpec } from '../spec/index.js';
import { generateTestModule, STEP_CEILING_MS } from './codegen.js';

const source = `name: canary
title: Canary
source: Workshop / Canary
tags: [traffic, canary]
timeout: 20s
steps:
  - sleep: 1s
  - name: split
    timeout: 1m
    traffic: { from: client, to: http://backend/ }
    expect: { toReach: true }
`;

describe('generateTestModule', () => {
  const { spec } = parseSpec(source, '/repo/specs/canary.spec.yaml', '/repo');
  const { code, map } = generateTestModule(spec!, { runtimeModule: '/runtime.js', rootDir: '/repo' });
  const lines = code.trimEnd().split('\n');

  it('emits one describe with the tags and one awaited test per step, with its timeout', () => {
    expect(lines[3]).toBe('describe("canary: Canary", {"tags":["traffic","canary"]}, () => {');
    const tests = lines.filter((line) => line.startsWith('  it('));
    expect(tests).toHaveLength(2);
    expect(tests[0]).toMatch(
      /^ {2}it\("sleep 1s", async \(ctx\) => \{ const why = run\.skipReason\(0\); if \(why\) \{ ctx\.skip\(why\); return; \} await run\.runStep\(0, ctx\); \}, 30000\);$/,
    );
    expect(tests[1]).toMatch(/^ {2}it\("split", .* await run\.runStep\(1, ctx\); \}, 70000\);$/);
    expect(code).toContain('import { scenarioRun } from "/runtime.js";');
    expect(code).toContain('await run.setup();');
    expect(code).toContain('await run.teardown();');
  });

  it('passes the validated scenario, with defaults, to the runtime', () => {
    const call = /^const run = scenarioRun\((.*), (\{"file":.*\})\);$/.exec(lines[2]);
    expect(JSON.parse(call![1])).toEqual(spec!.scenario);
    expect(JSON.parse(call![2])).toEqual({ file: '/repo/specs/canary.spec.yaml', rootDir: '/repo' });
  });

  it('maps each test line to its step in the YAML', () => {
    const segments = map.mappings.split(';');
    const firstTest = lines.findIndex((line) => line.startsWith('  it('));
    // Lines 0-2 map to 1:1, describe to the name (1:7), hooks to 1:1, the tests to 7:5 and 8:5.
    expect(segments.slice(0, firstTest + 2)).toEqual(['AAAA', 'AAAA', 'AAAA', 'AAAM', 'AAAN', 'AAAA', 'AAMI', 'AACA']);
  });

  it('gives steps without any timeout the ceiling', () => {
    const { spec: untimed } = parseSpec(source.replace('timeout: 20s\n', ''), '/repo/specs/c.spec.yaml', '/repo');
    expect(generateTestModule(untimed!, { runtimeModule: '/r.js', rootDir: '/repo' }).code).toContain(`}, ${STEP_CEILING_MS});`);
  });
});
