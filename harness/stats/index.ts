/** Statistics for share-based assertions: exact binomial tests, intervals, sample sizes, sequential plans, latency summaries and one budget for several assertions. No mesh code. */
export { DEFAULT_POLICY, type StatsPolicy } from './policy.js';
export { splitTest, shareTest } from './verdict.js';
export { canFailByChance, familyPolicy } from './family.js';
export { requiredSampleSize, type Expectation } from './sample-size.js';
export { binomialCdf, clopperPearson } from './binomial.js';
export { defaultBatch, sequentialSplitPlan, type SequentialPlan } from './sequential.js';
