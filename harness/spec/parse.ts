/**
 * Parses one spec's text into a validated Scenario, collecting every error of the file
 * (YAML syntax, schema, manifests) with the position of the offending key.
 */
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { SpecError, type Position } from './errors.js';
import { issuesToErrors } from './issues.js';
import { checkManifests } from './manifests.js';
import { SpecPositions } from './positions.js';
import { Scenario, type Step } from './schema.js';
import { validateStep } from './steps.js';

/** A spec that passed validation. */
export interface LoadedSpec {
  /** Absolute path of the spec file. */
  file: string;
  scenario: Scenario;
  positions: SpecPositions;
  /** The file's text, for source maps. */
  source: string;
}

export interface ParseResult {
  spec?: LoadedSpec;
  errors: SpecError[];
  /** The scenario's name and where it is written, even when other parts are invalid (for duplicate checks). */
  name?: { value: string } & Position;
}

/** The scenario's own keys; steps are validated one by one (see steps.ts). */
const ScenarioKeys = Scenario.extend({ steps: z.array(z.unknown()).min(1) });

export function parseSpec(source: string, file: string, rootDir: string): ParseResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      errors: doc.errors.map((e) => {
        const { line, col } = lineCounter.linePos(e.pos[0]);
        const message = e.code === 'MULTIPLE_DOCS' ? 'a spec file holds one YAML document; put each scenario in its own file' : e.message.split('\n')[0];
        return new SpecError(file, line, col, `not valid YAML: ${message}`);
      }),
    };
  }
  const positions = SpecPositions.fromDocument(doc, lineCounter);
  const data: unknown = doc.toJS();
  const context = { file, positions, data };
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    const { line, col } = positions.value([]);
    return {
      errors: [new SpecError(file, line, col, `a spec is a mapping with keys ${Object.keys(ScenarioKeys.shape).join(', ')}`)],
    };
  }

  const rawName = (data as { name?: unknown }).name;
  const name = typeof rawName === 'string' ? { value: rawName, ...positions.value(['name']) } : undefined;
  const top = ScenarioKeys.safeParse(data);
  const errors = top.success ? [] : issuesToErrors(top.error.issues, ScenarioKeys, [], context);
  const rawSteps = (data as { steps?: unknown }).steps;
  const steps: Step[] = [];
  const lines = source.split('\n');
  (Array.isArray(rawSteps) ? rawSteps : []).forEach((raw, index) => {
    const result = validateStep(raw, index, context);
    errors.push(...result.errors);
    if (!result.step) return;
    steps.push(result.step);
    errors.push(...checkManifests(result.step, index, { file, rootDir, positions, lines }));
  });
  if (errors.length > 0 || !top.success) return { errors, name };
  return { spec: { file, scenario: { ...top.data, steps }, positions, source }, errors: [], name };
}
