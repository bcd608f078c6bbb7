/** The error rates every share-based assertion is held to. */
export interface StatsPolicy {
  /** Largest acceptable probability that an assertion fails when the mesh is right. */
  falseFailure: number;
  /** Smallest acceptable probability of failing when a share is off by `minDetectable` or more. */
  power: number;
  /** Smallest error in a share, as a fraction (0.10 = 10 percentage points), that must be caught. */
  minDetectable: number;
}

export const DEFAULT_POLICY: StatsPolicy = Object.freeze({ falseFailure: 1e-4, power: 0.99, minDetectable: 0.1 });

/** The default policy with the caller's overrides, checked. */
export function resolvePolicy(overrides: Partial<StatsPolicy> = {}): StatsPolicy {
  const policy = { ...DEFAULT_POLICY, ...overrides };
  if (!(policy.falseFailure > 0 && policy.falseFailure < 0.5)) {
    throw new RangeError(`stats policy: falseFailure must be in (0, 0.5), got ${policy.falseFailure}`);
  }
  if (!(policy.power > 0 && policy.power < 1)) {
    throw new RangeError(`stats policy: power must be in (0, 1), got ${policy.power}`);
  }
  // Sample sizes grow as 1/minDetectable²: below one point they exceed 10^5 requests, more
  // than a conformance test can send.
  if (!(policy.minDetectable >= 0.01 && policy.minDetectable <= 1)) {
    throw new RangeError(`stats policy: minDetectable must be in [0.01, 1], got ${policy.minDetectable}`);
  }
  return policy;
}
