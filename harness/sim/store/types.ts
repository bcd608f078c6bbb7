export type { KubeObject, ChangeType, ReadonlyKubeObject } from '../../mesh/types.js';
