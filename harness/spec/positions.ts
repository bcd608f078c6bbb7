/**
 * Where each key and value of a parsed YAML document sits in its file, by key path
 * (e.g. ["steps", 2, "apply"]), so that errors and source maps can point at it.
 */
import { isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';
import type { Position } from './errors.js';

export type KeyPath = readonly (string | number)[];

interface Entry {
  /** The key of a mapping entry; absent for list items and the document root. */
  key?: Position;
  value: Position;
}

export class SpecPositions {
  constructor(private readonly entries: ReadonlyMap<string, Entry>) {}

  static fromDocument(doc: Document, lineCounter: LineCounter): SpecPositions {
    const entries = new Map<string, Entry>();
    const at = (offset: number): Position => lineCounter.linePos(offset);
    const walk = (node: unknown, path: (string | number)[], key?: Position): void => {
      if (!node || typeof node !== 'object' || !('range' in node)) return;
      const range = (node as Node).range;
      if (range) entries.set(pathKey(path), { key, value: at(range[0]) });
      if (isMap(node)) {
        for (const pair of node.items) {
          if (!isPair(pair) || !isScalar(pair.key) || !pair.key.range) continue;
          const name = String(pair.key.value);
          const keyPos = at(pair.key.range[0]);
          // A key with no value (`apply:`) still needs a position for its value.
          if (!pair.value) entries.set(pathKey([...path, name]), { key: keyPos, value: keyPos });
          else walk(pair.value, [...path, name], keyPos);
        }
      } else if (isSeq(node)) {
        for (const [index, item] of node.items.entries()) walk(item, [...path, index]);
      }
    };
    walk(doc.contents, []);
    return new SpecPositions(entries);
  }

  /** Position of the key at `path` (the value's for list items), else of the nearest ancestor. */
  key(path: KeyPath): Position {
    const entry = this.nearest(path);
    return entry.key ?? entry.value;
  }

  /** Position of the value at `path`, else of the nearest ancestor. */
  value(path: KeyPath): Position {
    return this.nearest(path).value;
  }

  /** Position of step `index` (its first key). */
  step(index: number): Position {
    return this.value(['steps', index]);
  }

  private nearest(path: KeyPath): Entry {
    for (let length = path.length; length >= 0; length--) {
      const entry = this.entries.get(pathKey(path.slice(0, length)));
      if (entry) return entry;
    }
    return { value: { line: 1, col: 1 } };
  }
}

function pathKey(path: KeyPath): string {
  return JSON.stringify(path);
}
