/** `label`: set or remove (null) labels on the namespace or on objects. */
import type { LabelStep } from '../../../spec/index.js';
import type { Operation } from '../../types.js';
import { changeMetadata } from './metadata.js';

export const labelOperation: Operation<LabelStep> = {
  defaultTimeoutMs: 30_000,
  exec: (step, ctx) => changeMetadata(step.label, 'labels', step.label.labels, ctx),
};
