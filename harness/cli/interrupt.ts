/**
 * Ctrl-C (SIGINT) and SIGTERM during `meshspec run`: the first signal cancels the Vitest run (the
 * running step's signal aborts, later steps are skipped, each scenario's afterAll still deletes
 * its namespace) and lets the command tear the provider down; a second signal exits at once.
 *
 * meshspec listens from before the provider starts. A signal that comes before Vitest's run has
 * begun is held and honoured as soon as the run begins, since Vitest forgets a cancel that comes
 * earlier (Vitest.runFiles resets `isCancelling`); one that comes before Vitest starts at all
 * means Vitest is not started.
 */
import type { Plugin } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** 128 + the signal's number, as a shell reports a process ended by it. */
const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;
type StopSignal = keyof typeof SIGNAL_EXIT_CODES;
const STOP_SIGNALS = Object.keys(SIGNAL_EXIT_CODES) as StopSignal[];

interface Interruption {
  /** The exit code the run ends with because of a signal, once one has arrived. */
  exitCode(): number | undefined;
  /** Makes Vitest's run cancellable by the signals; to be created right before Vitest starts. */
  vitestPlugin(): Plugin;
  /** Stops listening for the signals. */
  dispose(): void;
}

export function watchInterruption(provider: string): Interruption {
  let received: StopSignal | undefined;
  /** Cancels Vitest's run; set once the run has begun. */
  let cancelRun: (() => void) | undefined;
  const onSignal = (signal: StopSignal) => {
    if (received) process.exit(SIGNAL_EXIT_CODES[signal]);
    received = signal;
    console.error(`interrupted: stopping tests and tearing down the ${provider} cluster (Ctrl-C again to quit at once)`);
    cancelRun?.();
  };
  /**
   * Vitest's logger (4.1, Logger.addCleanupListeners) and Vite's server answer SIGINT and SIGTERM
   * with process.exit() a moment later, with no option to turn that off: the provider would never
   * be torn down. Every such listener added while Vitest starts is theirs, and is taken off right
   * after it is added: on the next tick, which comes before any signal can be delivered (Node
   * emits signals from the event loop). meshspec's own listener cancels the run instead, which
   * ends in Vitest's own close.
   */
  const dropStartupListener = (event: string | symbol, listener: (...args: unknown[]) => void) => {
    if (STOP_SIGNALS.includes(event as StopSignal) && listener !== onSignal) process.nextTick(() => process.off(event, listener));
  };
  const stopDropping = () => process.off('newListener', dropStartupListener);
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
  return {
    exitCode: () => (received ? SIGNAL_EXIT_CODES[received] : undefined),
    vitestPlugin() {
      process.on('newListener', dropStartupListener);
      /**
       * Vitest asks its sequencer for the order of the files once the run has begun (after it
       * reset `isCancelling`, before any file runs): the first moment a cancel holds.
       */
      class CancellableSequencer extends BaseSequencer {
        override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
          const vitest = this.ctx;
          cancelRun = () => void vitest.cancelCurrentRun('keyboard-input');
          if (received) cancelRun();
          return super.sort(files);
        }
      }
      return {
        name: 'meshspec:interrupt',
        config: () => ({ test: { sequence: { sequencer: CancellableSequencer } } }),
        // Vitest's and Vite's listeners are in place once Vitest hands itself to its plugins.
        configureVitest: stopDropping,
      };
    },
    dispose() {
      stopDropping();
      for (const signal of STOP_SIGNALS) process.off(signal, onSignal);
    },
  };
}
