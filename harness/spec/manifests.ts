/**
 * Manifest references in steps: inline YAML (it has a newline) or a path relative to the
 * repository root. The checks here run at validation time, so that a typo in a path is a
 * spec error at its line, not a failure minutes into a run.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { LineCounter, parseAllDocuments } from 'yaml';
import { SpecError, type Position } from './errors.js';
import type { KeyPath, SpecPositions } from './positions.js';
import { ObjectRef, type Step } from './schema.js';

export function isInlineManifest(source: string): boolean {
  return source.includes('\n');
}

const MANIFEST_FILE = /\.(ya?ml|json)$/;

export type DeleteTarget = { object: string } | { manifest: string };

/**
 * What a `delete: STRING` names: inline YAML, a manifest file (by its extension) or an existing
 * directory, or else an object reference such as `deployment/backend` (both look like `a/b`).
 */
export function deleteTarget(source: string, rootDir: string): DeleteTarget {
  if (isInlineManifest(source) || MANIFEST_FILE.test(source) || existsSync(path.resolve(rootDir, source))) return { manifest: source };
  return ObjectRef.safeParse(source).success ? { object: source } : { manifest: source };
}

/** Manifest sources a step refers to, with the key path of each. */
function manifestSources(step: Step, index: number, rootDir: string): { source: string; path: KeyPath }[] {
  const base = ['steps', index];
  const of = (kind: string, action: string | { file?: string }) =>
    typeof action === 'string' ? [{ source: action, path: [...base, kind] }] : action.file ? [{ source: action.file, path: [...base, kind, 'file'] }] : [];
  if ('apply' in step) return of('apply', step.apply);
  if ('inject' in step) return of('inject', step.inject);
  if ('delete' in step) {
    const named = typeof step.delete === 'string' && 'object' in deleteTarget(step.delete, rootDir);
    return named ? [] : of('delete', step.delete);
  }
  return [];
}

interface ManifestCheckContext {
  file: string;
  rootDir: string;
  positions: SpecPositions;
  /** The spec's source lines, to place errors inside inline YAML blocks. */
  lines: readonly string[];
}

export function checkManifests(step: Step, index: number, context: ManifestCheckContext): SpecError[] {
  return manifestSources(step, index, context.rootDir).flatMap(({ source, path: keyPath }) => {
    const position = context.positions.value(keyPath);
    if (isInlineManifest(source)) return checkInline(source, position, context);
    if (existsSync(path.resolve(context.rootDir, source))) return [];
    return [
      new SpecError(
        context.file,
        position.line,
        position.col,
        `manifest not found: ${source} (paths are relative to the repository root ${context.rootDir}; or write the YAML inline after "|")`,
      ),
    ];
  });
}

/** Inline YAML must parse, and every document must be a Kubernetes object with apiVersion and kind. */
function checkInline(source: string, block: Position, context: ManifestCheckContext): SpecError[] {
  const lineCounter = new LineCounter();
  const documents = parseAllDocuments(source, { lineCounter, prettyErrors: false });
  const at = (offset: number, message: string) => {
    // Errors found at the end of the text ("missing }") belong to its last line.
    const inner = lineCounter.linePos(Math.min(offset, Math.max(0, source.trimEnd().length - 1)));
    const position = positionInBlock(block, inner, context.lines);
    return new SpecError(context.file, position.line, position.col, message);
  };
  if (!Array.isArray(documents)) return [at(0, 'inline manifest is not a YAML stream')];
  return documents.flatMap((document, index) => {
    if (document.errors.length > 0) {
      return document.errors.map((e) => at(e.pos[0], `inline manifest is not valid YAML: ${firstLine(e.message)}`));
    }
    const object = document.toJS() as unknown;
    if (object === null || object === undefined) return [];
    const offset = document.contents?.range?.[0] ?? 0;
    const missing = ['apiVersion', 'kind'].filter((key) => typeof (object as Record<string, unknown>)[key] !== 'string');
    if (typeof object !== 'object' || Array.isArray(object) || missing.length > 0) {
      return [at(offset, `inline manifest document ${index + 1} must be a Kubernetes object with apiVersion and kind`)];
    }
    return [];
  });
}

/**
 * Maps a position inside a block scalar's text to the spec file: the text starts on the
 * line after the `|` indicator, indented like its first line. Other scalars map to their start.
 */
function positionInBlock(block: Position, inner: Position, lines: readonly string[]): Position {
  const header = lines[block.line - 1]?.slice(block.col - 1) ?? '';
  if (!/^[|>]/.test(header)) return block;
  const firstContent = lines[block.line] ?? '';
  const indent = firstContent.length - firstContent.trimStart().length;
  return { line: block.line + inner.line, col: indent + inner.col };
}

function firstLine(message: string): string {
  return message.split('\n')[0];
}
