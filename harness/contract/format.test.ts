import { describe, expect, it } from 'vitest';
import { formatMs, percent, probability } from './format.js';

describe('formats', () => {
  it('formats milliseconds and seconds', () => {
    expect([formatMs(4.4), formatMs(999), formatMs(3000), formatMs(1234)]).toEqual(['4ms', '999ms', '3s', '1.23s']);
  });

  it('formats shares as percentages and probabilities with two significant digits', () => {
    expect([percent(0.25), percent(1 / 3), percent(0.001)]).toEqual(['25%', '33.33%', '0.1%']);
    expect([probability(0.00012345), probability(3.8e-10)]).toEqual(['0.00012', '3.8e-10']);
  });
});
