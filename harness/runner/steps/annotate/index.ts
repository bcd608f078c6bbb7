/** `annotate`: set or remove (null) annotations on the namespace or on objects. */
import type { AnnotateStep } from '../../../spec/index.js';
import type { Operation } from '../../types.js';
import { changeMetadata } from '../label/metadata.js';

export const annotateOperation: Operation<AnnotateStep> = {
  defaultTimeoutMs: 30_000,
  exec: (step, ctx) => changeMetadata(step.annotate, 'annotations', step.annotate.annotations, ctx),
};
