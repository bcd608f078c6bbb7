/** Units and number formats every layer writes the same way. */

/** 0.25 -> "25%", 0.3333 -> "33.33%". */
export const percent = (share: number): string => `${+(share * 100).toPrecision(4)}%`;

/** Two significant digits: 0.00012345 -> "0.00012", 3.8e-10 -> "3.8e-10". */
export const probability = (p: number): string => `${+p.toPrecision(2)}`;

/** 850 -> "850ms", 1234 -> "1.23s". */
export function formatMs(ms: number): string {
  if (ms >= 1000) return `${Number((ms / 1000).toFixed(2))}s`;
  return `${Math.round(ms)}ms`;
}
