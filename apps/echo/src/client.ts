/**
 * The app's outbound HTTP. When MESHSPEC_OUTBOUND_PROXY is set (the embedded cluster), every
 * request goes to that proxy in absolute form with its Host header kept, which is how the
 * embedded cluster captures a pod's outbound traffic as iptables does under Istio.
 */
import http from 'node:http';
import https from 'node:https';

interface OutboundRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}

interface OutboundResponse {
  status: number;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: Buffer;
}

export interface OutboundClient {
  send(request: OutboundRequest): Promise<OutboundResponse>;
  close(): void;
}

const MAX_BODY_BYTES = 4 * 1024 * 1024;

export function flattenHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

export function createOutboundClient(proxyUrl?: string): OutboundClient {
  const proxy = proxyUrl ? new URL(proxyUrl) : undefined;
  const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 256 });

  function send(request: OutboundRequest): Promise<OutboundResponse> {
    const target = new URL(request.url);
    const secure = target.protocol === 'https:';
    if (!secure && target.protocol !== 'http:') {
      return Promise.reject(new Error(`unsupported URL scheme in "${request.url}": use http:// or https://`));
    }
    if (secure && proxy) {
      return Promise.reject(new Error(`https URLs cannot go through the outbound capture proxy: call http://${target.host} and let the mesh originate TLS`));
    }
    const headers: Record<string, string> = { host: target.host, ...request.headers };
    if (request.body !== undefined) headers['content-length'] = String(Buffer.byteLength(request.body));
    const options: http.RequestOptions = proxy
      ? { host: proxy.hostname, port: proxy.port, path: target.href, agent: httpAgent }
      : { host: target.hostname, port: target.port || undefined, path: target.pathname + target.search, agent: secure ? httpsAgent : httpAgent };
    return new Promise((resolve, reject) => {
      const req = (secure ? https : http).request({ ...options, method: request.method, headers, signal: request.signal }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_BODY_BYTES) res.destroy(new Error(`response body larger than ${MAX_BODY_BYTES} bytes`));
          else chunks.push(chunk);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: flattenHeaders(res.headers), body: Buffer.concat(chunks) }));
        res.on('error', reject);
        res.on('aborted', () => reject(new Error('response aborted')));
      });
      req.on('error', reject);
      req.end(request.body);
    });
  }

  return {
    send,
    close() {
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}
