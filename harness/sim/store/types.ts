export type { KubeObject, ChangeType } from '../../mesh/types.js';
