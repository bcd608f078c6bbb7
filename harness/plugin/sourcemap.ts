/**
 * A line-level source map: each generated line maps to one position in the source file.
 * That is all a test module generated from YAML needs, so the VLQ encoding is done here
 * instead of adding a dependency.
 */
import type { Position } from '../spec/index.js';

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Base64 VLQ of a signed integer, as the source map v3 format defines it. */
export function encodeVlq(value: number): string {
  let rest = value < 0 ? (-value << 1) | 1 : value << 1;
  let encoded = '';
  do {
    let digit = rest & 31;
    rest >>>= 5;
    if (rest > 0) digit |= 32;
    encoded += BASE64[digit];
  } while (rest > 0);
  return encoded;
}

export interface LineSourceMap {
  version: 3;
  file: string;
  sources: string[];
  sourcesContent: string[];
  names: string[];
  mappings: string;
}

/** Maps generated line i (0-based) to `origins[i]` in `source`; a null origin leaves the line unmapped. */
export function lineSourceMap(file: string, source: string, origins: readonly (Position | null)[]): LineSourceMap {
  let previousLine = 0;
  let previousCol = 0;
  const lines = origins.map((origin) => {
    if (!origin) return '';
    // Segment: generated column 0, source 0 (deltas), original line and column (deltas, 0-based).
    const segment = encodeVlq(0) + encodeVlq(0) + encodeVlq(origin.line - 1 - previousLine) + encodeVlq(origin.col - 1 - previousCol);
    previousLine = origin.line - 1;
    previousCol = origin.col - 1;
    return segment;
  });
  return { version: 3, file, sources: [file], sourcesContent: [source], names: [], mappings: lines.join(';') };
}
