/** One HTTP exchange with an upstream, classified the way Envoy's router sees failures. */
import http from 'node:http';
import type { Address } from './workload.js';

export interface HttpMessage {
  status: number;
  /** Lower-case names. */
  headers: Record<string, string | string[]>;
  body: Buffer;
}

export type AttemptOutcome = ({ kind: 'response' } & HttpMessage) | { kind: 'connect-failure' | 'reset' | 'timeout'; message: string };

interface UpstreamRequest {
  address: Address;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer;
  timeoutMs?: number;
}

function responseHeaders(res: http.IncomingMessage): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(res.headers)) if (value !== undefined) headers[name] = value;
  return headers;
}

export function readBody(stream: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

export class UpstreamClient {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 512 });

  async send(request: UpstreamRequest): Promise<AttemptOutcome> {
    const outcome = await this.attempt(request);
    // A pooled keep-alive connection the server had just closed is not a real reset: Envoy's pool
    // would have opened a fresh one, so do that once.
    if (outcome.kind === 'reset' && outcome.message === 'reused') return this.attempt(request);
    return outcome;
  }

  private attempt(request: UpstreamRequest): Promise<AttemptOutcome> {
    return new Promise((resolve) => {
      let settled = false;
      const settle = (outcome: AttemptOutcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(outcome);
      };
      const headers = { ...request.headers, 'content-length': String(request.body.length) };
      const req = http.request(
        { host: request.address.host, port: request.address.port, method: request.method, path: request.path, headers, agent: this.agent },
        (res) => {
          readBody(res).then(
            (body) => settle({ kind: 'response', status: res.statusCode ?? 502, headers: responseHeaders(res), body }),
            () => settle({ kind: 'reset', message: 'upstream reset while sending the body' }),
          );
        },
      );
      const timer =
        request.timeoutMs !== undefined
          ? setTimeout(() => {
              settle({ kind: 'timeout', message: 'upstream request timeout' });
              req.destroy();
            }, request.timeoutMs)
          : undefined;
      req.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code === 'ECONNREFUSED' || error.code === 'EHOSTUNREACH' || error.code === 'ENOTFOUND') {
          settle({ kind: 'connect-failure', message: 'connection failure' });
        } else {
          settle({ kind: 'reset', message: req.reusedSocket && error.code === 'ECONNRESET' ? 'reused' : 'connection termination' });
        }
      });
      req.end(request.body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
