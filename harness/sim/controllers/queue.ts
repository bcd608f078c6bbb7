/** A deduplicating work queue: keys added in one tick are reconciled once, after the current write settles. */
import { ApiError } from '../store/errors.js';

const RETRY_MS = 50;

export class WorkQueue {
  private readonly keys = new Set<string>();
  private scheduled = false;
  private closed = false;
  private readonly retries = new Set<NodeJS.Timeout>();

  constructor(
    private readonly name: string,
    private readonly reconcile: (key: string) => void,
  ) {}

  add(key: string): void {
    if (this.closed) return;
    this.keys.add(key);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.drain());
  }

  close(): void {
    this.closed = true;
    for (const timer of this.retries) clearTimeout(timer);
  }

  private drain(): void {
    this.scheduled = false;
    const keys = [...this.keys];
    this.keys.clear();
    for (const key of keys) {
      if (this.closed) return;
      try {
        this.reconcile(key);
      } catch (error) {
        // A conflict or a vanished object means the world moved on: look again shortly.
        if (error instanceof ApiError && (error.code === 409 || error.code === 404)) {
          const timer = setTimeout(() => {
            this.retries.delete(timer);
            this.add(key);
          }, RETRY_MS);
          this.retries.add(timer);
        } else process.emitWarning(`meshspec sim: ${this.name} controller failed on ${key}: ${(error as Error).message}`);
      }
    }
  }
}

export const nsName = (obj: { metadata: { namespace?: string; name: string } }) => `${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
export const splitKey = (key: string) => {
  const [namespace, name] = key.split('/');
  return { namespace, name };
};
