/** Progress of the provider's phases on stderr: one line per finished phase, with its elapsed time. */
import type { ProgressReporter, ProviderName } from '../contract/cluster.js';

interface ProgressOptions {
  write?: (line: string) => void;
  now?: () => number;
  /** Least time between two `update` lines of one phase. */
  updateEveryMs?: number;
}

export function stderrProgress(options: ProgressOptions = {}): ProgressReporter {
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const now = options.now ?? Date.now;
  const updateEveryMs = options.updateEveryMs ?? 2_000;
  return {
    phase(name) {
      const started = now();
      let lastUpdate = started;
      const elapsed = () => formatElapsed(now() - started);
      return {
        done: (detail) => write(`  ✓ ${name} (${elapsed()})${detail ? `: ${detail}` : ''}`),
        fail: (error) => write(`  ✗ ${name} (${elapsed()}): ${error instanceof Error ? error.message : String(error)}`),
        update: (detail) => {
          if (now() - lastUpdate < updateEveryMs) return;
          lastUpdate = now();
          write(`  … ${name} (${elapsed()}): ${detail}`);
        },
      };
    },
    info: (message) => write(message),
  };
}

export function formatElapsed(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)}s`;
  // Whole seconds first, so that 1m59.6s reads 2m0s rather than 1m60s.
  const seconds = Math.round(ms / 1_000);
  return `${Math.floor(seconds / 60)}m${seconds % 60}s`;
}

/** The first line of a run: which provider, and for sim, that it is an emulation. */
export function providerBanner(provider: ProviderName, istioVersion?: string): string {
  const istio = istioVersion ? ` with Istio ${istioVersion}` : '';
  switch (provider) {
    case 'sim':
      return `meshspec: provider sim${istio}, an emulation of Kubernetes and Istio's data plane in this process (not real Istio); for real Istio run \`pnpm test:e2e\` or \`meshspec run --provider kind\``;
    case 'kind':
      return `meshspec: provider kind${istio}, real Istio on a local kind cluster`;
    case 'kubeconfig':
      return `meshspec: provider kubeconfig${istio}, an existing cluster`;
  }
}
