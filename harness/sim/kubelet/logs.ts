/** A container's output, bounded, with followers (`kubectl logs -f`). */

const MAX_LOG_CHARS = 2 * 1024 * 1024;

export class LogBuffer {
  private text = '';
  private readonly followers = new Map<(chunk: string) => void, () => void>();

  append(chunk: string): void {
    this.text += chunk;
    if (this.text.length > MAX_LOG_CHARS) this.text = this.text.slice(this.text.length - MAX_LOG_CHARS);
    for (const follower of this.followers.keys()) follower(chunk);
  }

  read(tailLines?: number): string {
    if (tailLines === undefined || Number.isNaN(tailLines) || tailLines < 0) return this.text;
    if (tailLines === 0) return '';
    const lines = this.text.split('\n');
    const trailing = lines[lines.length - 1] === '' ? lines.pop() : undefined;
    return lines.slice(-tailLines).join('\n') + (trailing === undefined ? '' : '\n');
  }

  /** `onEnd` is called when the container stops for good (not on a restart). */
  follow(listener: (chunk: string) => void, onEnd: () => void = () => undefined): () => void {
    this.followers.set(listener, onEnd);
    return () => this.followers.delete(listener);
  }

  /** Ends every follower: the container is gone. */
  close(): void {
    for (const onEnd of this.followers.values()) onEnd();
    this.followers.clear();
  }
}
