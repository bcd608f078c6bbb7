import type { ForwardedResult } from '../../apps/echo/src/protocol.js';

/** One request of a traffic step as observed by its client. */
export type RequestRecord = ForwardedResult & {
  /** x-envoy-attempt-count the server saw (from the echo body's headers), when known. */
  attempts?: number;
};

/** What a traffic step produced: the input of every traffic matcher. */
export interface TrafficResult {
  kind: 'meshspec.traffic';
  /** Where the requests came from: a workload name or `ingress`. */
  from: string;
  to: string;
  namespace: string;
  requests: RequestRecord[];
  /** When the batch started and how long it took, ms. */
  startedAt: number;
  durationMs: number;
}
