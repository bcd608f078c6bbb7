/** The registry of step operations: one folder per step kind, each exporting its Operation. */
import { STEP_KINDS, type Step, type StepKind } from '../../spec/index.js';
import type { Operation } from '../types.js';
import { annotateOperation } from './annotate/index.js';
import { applyOperation } from './apply/index.js';
import { deleteOperation } from './delete/index.js';
import { execOperation } from './exec/index.js';
import { injectOperation } from './inject/index.js';
import { labelOperation } from './label/index.js';
import { metricsOperation } from './metrics/index.js';
import { patchOperation } from './patch/index.js';
import { podsOperation } from './pods/index.js';
import { servicesOperation } from './services/index.js';
import { sleepOperation } from './sleep/index.js';
import { trafficOperation } from './traffic/index.js';
import { waitOperation } from './wait/index.js';

const operations: Record<StepKind, Operation> = {
  apply: applyOperation,
  delete: deleteOperation,
  label: labelOperation,
  annotate: annotateOperation,
  patch: patchOperation,
  wait: waitOperation,
  exec: execOperation,
  sleep: sleepOperation,
  inject: injectOperation,
  traffic: trafficOperation,
  pods: podsOperation,
  services: servicesOperation,
  metrics: metricsOperation,
};

/** The kind of a step is the one action key it carries (the spec loader guarantees exactly one). */
function stepKindOf(step: Step): StepKind {
  const kind = STEP_KINDS.find((k) => k in step);
  if (!kind) throw new Error(`a step needs one of ${STEP_KINDS.join(', ')}`);
  return kind;
}

export const operationFor = (step: Step): Operation => operations[stepKindOf(step)];
