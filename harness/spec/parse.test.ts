import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSpec } from './parse.js';

const root = mkdtempSync(path.join(tmpdir(), 'meshspec-parse-'));
mkdirSync(path.join(root, 'manifests'));
writeFileSync(path.join(root, 'manifests/backend.yaml'), 'apiVersion: v1\nkind: Service\nmetadata: {name: backend}\n');
const file = path.join(root, 'x.spec.yaml');

const header = 'name: canary\ntitle: Canary\nsource: Workshop / Canary\n';

/** `line:col: message` of every error, relative positions only. */
function errorsOf(source: string): string[] {
  return parseSpec(source, file, root).errors.map((e) => `${e.line}:${e.col}: ${e.message}`);
}

describe('parseSpec', () => {
  it('returns the scenario with defaults and step positions', () => {
    const { spec, errors } = parseSpec(
      `${header}steps:\n  - apply: manifests/backend.yaml\n  - name: split\n    traffic: { from: client, to: http://backend/ }\n    expect: { toSplitTraffic: { split: { v0: 75, v1: 25 } } }\n`,
      file,
      root,
    );
    expect(errors).toEqual([]);
    expect(spec?.scenario).toMatchObject({ name: 'canary', mesh: 'sidecar', tags: [] });
    expect(spec?.scenario.steps[1]).toMatchObject({ traffic: { method: 'GET', requests: 'auto' }, expect: { toSplitTraffic: { by: 'version' } } });
    expect(spec?.positions.step(0)).toEqual({ line: 5, col: 5 });
    expect(spec?.positions.step(1)).toEqual({ line: 6, col: 5 });
  });

  it('points at an unknown step kind, suggests the nearest and lists the allowed kinds', () => {
    expect(errorsOf(`${header}steps:\n  - aply: manifests/backend.yaml\n`)).toEqual([
      '5:5: unknown step kind "aply" (did you mean "apply"?); allowed kinds: apply, delete, label, annotate, patch, wait, exec, sleep, inject, traffic, pods, services, metrics',
    ]);
  });

  it('points at an unknown key and lists the allowed keys', () => {
    expect(errorsOf(`${header}colour: red\nsteps:\n  - sleep: 1s\n`)).toEqual([
      '4:1: unknown key "colour"; allowed keys: name, title, source, tags, mesh, istio, timeout, steps',
    ]);
    expect(errorsOf(`${header}steps:\n  - traffic: { from: a, to: b, requets: 3 }\n    expect: { toReach: true }\n`)).toEqual([
      '5:32: unknown key "requets" in traffic (did you mean "requests"?); allowed keys: from, to, method, headers, body, requests, concurrency, qps, timeout',
    ]);
  });

  it('lists the keys of the form an author meant, and moves a step key written inside the action', () => {
    expect(errorsOf(`${header}steps:\n  - wait: { rollout: backend, timeout: 3s }\n`)).toEqual([
      '5:31: unknown key "timeout" in wait; allowed keys: rollout. "timeout" belongs one level up, beside "wait:"',
    ]);
    expect(errorsOf(`${header}steps:\n  - wait: { pods: app=x, sidecr: true }\n`)).toEqual([
      '5:26: unknown key "sidecr" in wait (did you mean "sidecar"?); allowed keys: pods, ready, sidecar',
    ]);
  });

  it('says what type is expected and what was found', () => {
    expect(errorsOf(`${header}steps:\n  - pods: { selector: app=x }\n    expect: { toHaveSidecar: "yes" }\n`)).toEqual([
      '6:30: toHaveSidecar must be true or false, got the string "yes"',
    ]);
    expect(errorsOf(`${header}steps:\n  - wait: { rollout: 5 }\n`)).toEqual(['5:22: rollout must be one of: a string; a list of strings, got the number 5']);
  });

  it('lists the forms of an action when none fits', () => {
    expect(errorsOf(`${header}steps:\n  - wait: { pod: app=x }\n`)).toEqual([
      '5:11: wait must be one of: a mapping {rollout}; a mapping {pods, ready?, sidecar?}; a mapping {condition}; a mapping {deleted}; a mapping {meshConfig}, got a mapping with keys pod',
    ]);
  });

  it('reads the addons a scenario needs (none by default) and rejects one Istio does not ship', () => {
    const steps = 'steps:\n  - sleep: 1s\n';
    expect(parseSpec(`${header}istio: { profile: default }\n${steps}`, file, root).spec?.scenario.istio).toEqual({ profile: 'default', addons: [] });
    expect(parseSpec(`${header}istio: { addons: [prometheus, jaeger] }\n${steps}`, file, root).spec?.scenario.istio).toEqual({
      profile: 'demo',
      addons: ['prometheus', 'jaeger'],
    });
    expect(errorsOf(`${header}istio: { addons: [prometheus, zipkin] }\n${steps}`)).toEqual([
      '4:31: addons[1] must be "prometheus" or "grafana" or "kiali" or "jaeger", got the string "zipkin"',
    ]);
  });

  it('names a missing required key at its parent', () => {
    expect(errorsOf('name: canary\nsource: s\nsteps:\n  - sleep: 1s\n')).toEqual([
      '1:1: missing required key "title" (a spec has keys name, title, source, tags?, mesh?, istio?, timeout?, steps)',
    ]);
  });

  it('reports a manifest path that does not exist, and accepts one that does', () => {
    expect(errorsOf(`${header}steps:\n  - apply: manifests/nope.yaml\n  - apply: { file: manifests/backend.yaml }\n`)).toEqual([
      `5:12: manifest not found: manifests/nope.yaml (paths are relative to the repository root ${root}; or write the YAML inline after "|")`,
    ]);
  });

  it('tells a delete of an object from a delete of a manifest', () => {
    expect(errorsOf(`${header}steps:\n  - delete: deployment/backend\n  - delete: manifests/backend.yaml\n  - delete: manifests/gone.yaml\n`)).toEqual([
      `7:13: manifest not found: manifests/gone.yaml (paths are relative to the repository root ${root}; or write the YAML inline after "|")`,
    ]);
  });

  it('places a syntax error inside inline YAML at its line in the spec', () => {
    const source = `${header}steps:\n  - apply: |\n      apiVersion: v1\n      kind: Service\n      metadata: {name: x\n  - sleep: 1s\n`;
    expect(errorsOf(source)).toEqual([expect.stringMatching(/^8:\d+: inline manifest is not valid YAML: /)]);
  });

  it('requires apiVersion and kind in every inline document', () => {
    const source = `${header}steps:\n  - apply: |\n      apiVersion: v1\n      kind: Service\n      ---\n      metadata: {name: x}\n`;
    expect(errorsOf(source)).toEqual(['9:7: inline manifest document 2 must be a Kubernetes object with apiVersion and kind']);
  });

  it('reports YAML syntax errors with their position', () => {
    expect(errorsOf(`${header}steps: [\n`)).toEqual([expect.stringMatching(/^\d+:\d+: not valid YAML: /)]);
    expect(errorsOf(`${header}title: again\nsteps:\n  - sleep: 1s\n`)).toEqual([expect.stringMatching(/^4:1: not valid YAML: Map keys must be unique/)]);
  });

  it('rejects split percentages that do not add up to 100', () => {
    expect(errorsOf(`${header}steps:\n  - traffic: { from: a, to: b }\n    expect: { toSplitTraffic: { split: { v0: 75, v1: 20 } } }\n`)).toEqual([
      '6:40: split percentages add up to 95; they must add up to 100',
    ]);
  });

  it('rejects a step with two actions and a target-less label', () => {
    expect(errorsOf(`${header}steps:\n  - apply: manifests/backend.yaml\n    sleep: 1s\n  - label: { labels: { a: b } }\n`)).toEqual([
      '6:5: a step has exactly one action, this one has apply and sleep; split it into 2 steps',
      '7:12: label needs exactly one of namespace, object, selector; found none',
    ]);
  });

  it('collects every error of a file, not only the first', () => {
    const errors = errorsOf('name: Bad_Name\ntitle: t\nsource: s\ntags: [BAD]\nsteps:\n  - sleep: 3 s\n  - nap: 1s\n');
    expect(errors).toEqual([
      '1:7: name "Bad_Name" is not valid: expected kebab-case: lowercase letters, digits and dashes',
      '4:8: tags[0] "BAD" is not valid: expected lowercase letters, digits and dashes',
      '6:12: sleep "3 s" is not valid: expected a duration such as "500ms", "3s" or "2m"',
      '7:5: unknown step kind "nap"; allowed kinds: apply, delete, label, annotate, patch, wait, exec, sleep, inject, traffic, pods, services, metrics',
    ]);
  });

  it('asks for one scenario per file', () => {
    expect(errorsOf(`${header}steps:\n  - sleep: 1s\n---\nname: other\n`)).toEqual([
      '6:1: not valid YAML: a spec file holds one YAML document; put each scenario in its own file',
    ]);
  });

  it('says a step list is needed when steps is not one', () => {
    expect(errorsOf(`${header}steps: null\n`)).toEqual(['4:8: steps must be a list, got null']);
  });

  it('rejects a document that is not a mapping', () => {
    expect(errorsOf('- a\n- b\n')).toEqual(['1:1: a spec is a mapping with keys name, title, source, tags, mesh, istio, timeout, steps']);
  });
});
