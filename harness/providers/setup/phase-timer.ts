/**
 * Runs a provider's phases through the ProgressReporter and remembers how long each took, so a
 * provider can end with a summary of where the time went. An API request of a phase that timed
 * out becomes a ProviderError naming the phase.
 */
import { ApiTimeoutError } from '../../kube/clients.js';
import type { ProgressReporter } from '../../contract/cluster.js';
import { apiTimeoutProblem } from './kube.js';

interface PhaseUpdate {
  update(detail: string): void;
}

export class PhaseTimer {
  private readonly durations: { name: string; ms: number }[] = [];

  constructor(readonly progress: ProgressReporter) {}

  /** Runs `work` as one phase; its result's detail (if any) is shown when the phase is done. */
  async run<T>(name: string, work: (phase: PhaseUpdate) => Promise<T>, detail?: (result: T) => string): Promise<T> {
    const phase = this.progress.phase(name);
    const started = performance.now();
    try {
      const result = await work(phase);
      phase.done(detail?.(result));
      return result;
    } catch (error) {
      const reported = error instanceof ApiTimeoutError ? apiTimeoutProblem(error, name) : error;
      phase.fail(reported);
      throw reported;
    } finally {
      this.durations.push({ name, ms: performance.now() - started });
    }
  }

  /** "where the time went: cluster 41.2s (62%), istio 20.1s (30%), ..." slowest first. */
  summary(): string {
    const total = this.durations.reduce((sum, d) => sum + d.ms, 0);
    const parts = [...this.durations]
      .sort((a, b) => b.ms - a.ms)
      .map((d) => `${d.name} ${(d.ms / 1000).toFixed(1)}s (${total ? Math.round((d.ms / total) * 100) : 0}%)`);
    return `where the time went (${(total / 1000).toFixed(1)}s): ${parts.join(', ')}`;
  }
}
