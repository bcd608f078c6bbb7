import { describe, expect, it } from 'vitest';
import { encodeVlq, lineSourceMap } from './sourcemap.js';

describe('source maps', () => {
  it.each([
    [0, 'A'],
    [1, 'C'],
    [-1, 'D'],
    [15, 'e'],
    [16, 'gB'],
    [-16, 'hB'],
    [1000, 'w+B'],
  ])('encodes %i as %s', (value, encoded) => {
    expect(encodeVlq(value)).toBe(encoded);
  });

  it('maps each generated line to its origin with deltas, leaving unmapped lines empty', () => {
    const map = lineSourceMap('/x.spec.yaml', 'source', [{ line: 1, col: 1 }, null, { line: 7, col: 5 }, { line: 6, col: 5 }]);
    // line 2: none; line 3: +6 lines, +4 cols; line 4: -1 line, +0 cols.
    expect(map.mappings).toBe('AAAA;;AAMI;AADA');
    expect(map).toMatchObject({ version: 3, sources: ['/x.spec.yaml'], sourcesContent: ['source'] });
  });
});
