/** Statistics for share-based assertions: exact binomial tests, intervals, sample sizes, sequential plans and one budget for several assertions. No mesh code. */
export { DEFAULT_POLICY, resolvePolicy, type StatsPolicy } from './policy.js';
export { splitTest, shareTest, minShareTest, type ShareEstimate, type Verdict } from './verdict.js';
export { canFailByChance, familyPolicy } from './family.js';
export { requiredSampleSize, errorRates, type Expectation, type ErrorRates } from './sample-size.js';
export { binomialCdf, binomialSf, clopperPearson } from './binomial.js';
export { defaultBatch, sequentialSplitPlan, type SequentialPlan, type SequentialDecision, type SequentialOptions } from './sequential.js';
