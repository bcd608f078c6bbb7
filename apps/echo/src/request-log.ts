import type { RequestLogEntry } from './protocol.js';

/** The last `capacity` requests served, numbered from 1, so mirrored copies can be counted. */
export class RequestLog {
  private readonly entries: RequestLogEntry[] = [];
  private seq = 0;

  constructor(private readonly capacity = 10_000) {}

  add(entry: Omit<RequestLogEntry, 'seq'>): void {
    this.entries.push({ seq: ++this.seq, ...entry });
    // Trimming in batches keeps add() O(1) amortised; since() only ever looks at the newest `capacity`.
    if (this.entries.length >= 2 * this.capacity) this.entries.splice(0, this.entries.length - this.capacity);
  }

  /** Entries with seq > `since`, oldest first. */
  since(since: number): RequestLogEntry[] {
    const kept = this.entries.slice(-this.capacity);
    const first = kept.findIndex((e) => e.seq > since);
    return first < 0 ? [] : kept.slice(first);
  }

  get lastSeq(): number {
    return this.seq;
  }
}
