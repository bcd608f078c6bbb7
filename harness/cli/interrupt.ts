/**
 * Ctrl-C (SIGINT) and SIGTERM during `meshspec run`: the first signal cancels the Vitest run (the
 * running step's signal aborts, later steps are skipped, each scenario's afterAll still deletes
 * its namespace) and lets the command tear the provider down; a second signal exits at once.
 */
import type { Plugin } from 'vitest/config';
import type { Vitest, VitestPluginContext } from 'vitest/node';

/** 128 + the signal's number, as a shell reports a process ended by it. */
const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;
type StopSignal = keyof typeof SIGNAL_EXIT_CODES;
const STOP_SIGNALS = Object.keys(SIGNAL_EXIT_CODES) as StopSignal[];

export interface Interruption {
  /** The exit code the run ends with because of a signal, once one has arrived. */
  exitCode(): number | undefined;
  /** Hands the Vitest instance over; to be created right before Vitest starts. */
  vitestPlugin(): Plugin;
  /** Stops listening for the signals. */
  dispose(): void;
}

export function watchInterruption(provider: string): Interruption {
  let received: StopSignal | undefined;
  let vitest: Vitest | undefined;
  const onSignal = (signal: StopSignal) => {
    if (received) process.exit(SIGNAL_EXIT_CODES[signal]);
    received = signal;
    console.error(`interrupted: stopping tests and tearing down the ${provider} cluster (Ctrl-C again to quit at once)`);
    void vitest?.cancelCurrentRun('keyboard-input');
  };
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
  return {
    exitCode: () => (received ? SIGNAL_EXIT_CODES[received] : undefined),
    vitestPlugin() {
      const before = new Map(STOP_SIGNALS.map((signal) => [signal, process.listeners(signal)]));
      return {
        name: 'meshspec:interrupt',
        configureVitest(context: VitestPluginContext) {
          vitest = context.vitest;
          // Vitest's logger (4.1, Logger.addCleanupListeners) answers SIGINT and SIGTERM with
          // process.exit() 1 ms later, with no option to turn that off: the provider would never
          // be torn down. The listeners added since this plugin was made are Vitest's; this
          // handler takes their place (it cancels the run, which ends in Vitest's own close).
          for (const signal of STOP_SIGNALS) {
            for (const listener of process.listeners(signal)) {
              if (!before.get(signal)!.includes(listener)) process.off(signal, listener as (...args: unknown[]) => void);
            }
          }
        },
      };
    },
    dispose() {
      for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
    },
  };
}
