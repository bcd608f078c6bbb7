/**
 * What a matcher is, in one place: its subject, the argument a spec may give it (a zod schema
 * the spec language is built from), its statistics for share-based matchers (the question that
 * sizes a traffic step and, where requests can be sampled look by look, each request's
 * category), and its evaluation with its failure message. One module per matcher defines one
 * of these; `registry.ts` lists them, and the spec schema, Vitest's matcher table, the request
 * planner and the README table are all derived from that list.
 */
import type { MatcherState } from 'vitest';
import type { z } from 'zod';
import type { RequestRecord } from '../contract/traffic.js';
import type { StatsPolicy } from '../stats/policy.js';
import type { Expectation } from '../stats/sample-size.js';
import type { MatcherResult } from './engines.js';

/** The statistics policy a share-based matcher takes after its argument. */
export type Policy = Partial<StatsPolicy>;

/** What a step hands its `expect:` block to: the subject the matcher receives. */
export type Subject = 'traffic' | 'pods' | 'services' | 'metrics';

/** Sequential sampling of a share-based matcher: each request falls in one category, expected in these percentages. */
export interface SequentialCategories {
  expectedPercent: Record<string, number>;
  /** What the categories are, for the hypothesis line: "version", "delayed >= 3s". */
  dimension: string;
  categoryOf(request: RequestRecord): string;
}

export interface MatcherDefinition<Spec extends z.ZodType = z.ZodType> {
  subject: Subject;
  /** What `expect:` may say for it: its argument, or `true`/`false` (`.not`) for one that takes none. */
  spec: Spec;
  /** One line for the spec schema and the README. */
  description: string;
  /** How a spec writes it, for the README: `{ delay: 3s, share: 50 }`, `true`. */
  example: string;
  /** Share-based: the statistical question behind it, which sizes `requests: auto` and shares the step's budget. */
  question?(args: z.output<Spec>): Expectation;
  /** Share-based and decidable look by look: the categories its sequential plan counts. */
  sequential?(args: z.output<Spec>): SequentialCategories;
  /** Vitest's matcher function: `(received, ...args)`, with a lazy failure message. */
  match(this: MatcherState, received: unknown, ...args: never[]): MatcherResult | Promise<MatcherResult>;
}

type Defined<S extends Subject, Spec extends z.ZodType, M> = Omit<MatcherDefinition<Spec>, 'subject' | 'match'> & { subject: S; match: M };

/**
 * Keeps a definition's exact types (its subject, schema and match signature) for what the
 * registry derives, and types `question`/`sequential` from the schema's parsed output.
 */
export function defineMatcher<const S extends Subject, Spec extends z.ZodType, M extends MatcherDefinition['match']>(
  definition: Defined<S, Spec, M>,
): Defined<S, Spec, M> {
  return definition;
}
