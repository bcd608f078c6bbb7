/** Reading an Istio object's fields: each wrong field is a ConfigError naming the object, the field and the fix. */
import { parseDuration } from '../../../apps/echo/src/duration.js';
import type { ReadonlyKubeObject } from '../types.js';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Reads fields of one object, throwing ConfigError with `Kind ns/name: path ...` messages. */
export class Fields {
  constructor(private readonly label: string) {}

  fail(path: string, problem: string): never {
    throw new ConfigError(`${this.label}: ${path} ${problem}`);
  }
  object(value: unknown, path: string): Record<string, any> | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'object' || Array.isArray(value)) this.fail(path, `must be an object (got ${JSON.stringify(value)})`);
    return value as Record<string, any>;
  }
  array(value: unknown, path: string): any[] {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) this.fail(path, `must be a list (got ${JSON.stringify(value)})`);
    return value;
  }
  string(value: unknown, path: string): string | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') this.fail(path, `must be a string (got ${JSON.stringify(value)})`);
    return value;
  }
  requiredString(value: unknown, path: string): string {
    const text = this.string(value, path);
    if (!text) this.fail(path, 'is required');
    return text;
  }
  integer(value: unknown, path: string, min = 0, max = Number.MAX_SAFE_INTEGER): number | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      this.fail(path, `must be an integer from ${min} to ${max} (got ${JSON.stringify(value)})`);
    }
    return value;
  }
  duration(value: unknown, path: string): number | undefined {
    const text = this.string(value, path);
    if (text === undefined) return undefined;
    const ms = parseDuration(text);
    if (ms === undefined) this.fail(path, `must be a duration such as 500ms or 2s (got "${text}")`);
    return ms;
  }
  percent(value: unknown, path: string): number | undefined {
    const holder = this.object(value, path);
    if (!holder) return undefined;
    const percent = holder.value;
    if (typeof percent !== 'number' || percent < 0 || percent > 100)
      this.fail(`${path}.value`, `must be a number from 0 to 100 (got ${JSON.stringify(percent)})`);
    return percent;
  }
  labels(value: unknown, path: string): Record<string, string> | undefined {
    const labels = this.object(value, path);
    if (!labels) return undefined;
    for (const [key, label] of Object.entries(labels))
      if (typeof label !== 'string') this.fail(`${path}.${key}`, `must be a string (got ${JSON.stringify(label)})`);
    return labels as Record<string, string>;
  }
  oneOf<T extends string>(value: unknown, path: string, allowed: readonly T[]): T | undefined {
    const text = this.string(value, path);
    if (text === undefined) return undefined;
    if (!allowed.includes(text as T)) this.fail(path, `must be one of ${allowed.join(', ')} (got "${text}")`);
    return text as T;
  }
}

export function created(obj: ReadonlyKubeObject): number {
  const stamp = obj.metadata.creationTimestamp;
  return typeof stamp === 'string' ? Date.parse(stamp) || 0 : 0;
}
export function labelFor(obj: ReadonlyKubeObject): string {
  return `${obj.kind} ${obj.metadata.namespace ?? 'default'}/${obj.metadata.name}`;
}
