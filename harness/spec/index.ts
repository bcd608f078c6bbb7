/** The spec language: schema, loader with positions, errors, and step summaries. */
export * from './schema.js';
export { SpecError, displayPath, sortErrors, type Position } from './errors.js';
export { SpecPositions, type KeyPath } from './positions.js';
export { parseSpec, type LoadedSpec, type ParseResult } from './parse.js';
export { loadSpecFile, loadSpecs, findSpecFiles, SpecPathError, SPEC_SUFFIX, type LoadResult } from './load.js';
export { isInlineManifest, deleteTarget, type DeleteTarget } from './manifests.js';
export { describeStep } from './describe-step.js';
export { durationMs } from '../contract/units.js';
export { specJsonSchema, packageRoot, JSON_SCHEMA_PATH } from './json-schema.js';
