/** `label`: set or remove (null) labels on the namespace or on objects. */
import { describeStep, type LabelStep } from '../../../spec/index.js';
import type { Operation } from '../../types.js';
import { changeMetadata } from './metadata.js';

export const labelOperation: Operation<LabelStep> = {
  kind: 'label',
  defaultTimeoutMs: 30_000,
  describe: describeStep,
  exec: (step, ctx) => changeMetadata(step.label, 'labels', step.label.labels, ctx),
};
