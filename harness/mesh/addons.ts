/**
 * Stand-ins for Istio's observability addons, enough for the tutorials' checks: Prometheus
 * answers instant queries over the proxies' metrics, Kiali redirects to its UI, Grafana and
 * Jaeger/Zipkin serve their UI paths.
 */
import type http from 'node:http';
import { evaluate, parseQuery, PromQLError } from './promql.js';
import type { Sample } from './metrics.js';

type AddonKind = 'prometheus' | 'kiali' | 'grafana' | 'tracing';

/** Which addon an image is, from its repository name; undefined when it is none (e.g. a config reloader). */
export function addonKind(image: string): AddonKind | undefined {
  const repository = image
    .split('@')[0]!
    .replace(/:[^/:]*$/, '')
    .split('/')
    .pop()!
    .toLowerCase();
  if (repository.includes('reload')) return undefined;
  if (repository === 'prometheus') return 'prometheus';
  if (repository === 'kiali') return 'kiali';
  if (repository === 'grafana') return 'grafana';
  if (repository.includes('jaeger') || repository.includes('zipkin') || repository === 'all-in-one') return 'tracing';
  return undefined;
}

function send(res: http.ServerResponse, status: number, contentType: string, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

const page = (title: string) => `<!doctype html><html><head><title>${title}</title></head><body><h1>${title}</h1><p>meshspec stand-in</p></body></html>`;

function prometheus(samples: () => Sample[]): http.RequestListener {
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://prometheus.invalid');
    if (url.pathname === '/') return send(res, 302, 'text/plain', '', { location: '/graph' });
    if (url.pathname === '/-/ready' || url.pathname === '/-/healthy') return send(res, 200, 'text/plain', 'Prometheus Server is Ready.\n');
    if (url.pathname === '/graph' || url.pathname === '/query')
      return send(res, 200, 'text/html', page('Prometheus Time Series Collection and Processing Server'));
    if (url.pathname !== '/api/v1/query') return send(res, 404, 'text/plain', '404 page not found\n');
    const query = url.searchParams.get('query');
    const at = Date.now() / 1000;
    try {
      if (!query) throw new PromQLError('missing query parameter "query"');
      const result = evaluate(parseQuery(query), samples()).map((r) => ({ metric: r.labels, value: [at, String(r.value)] }));
      send(res, 200, 'application/json', JSON.stringify({ status: 'success', data: { resultType: 'vector', result } }));
    } catch (error) {
      if (!(error instanceof PromQLError)) throw error;
      send(res, 400, 'application/json', JSON.stringify({ status: 'error', errorType: 'bad_data', error: error.message }));
    }
  };
}

function kiali(): http.RequestListener {
  return (req, res) => {
    const path = new URL(req.url ?? '/', 'http://kiali.invalid').pathname;
    if (path === '/') return send(res, 302, 'text/html', '<a href="/kiali/">Found</a>.\n', { location: '/kiali/' });
    if (path === '/kiali' || path.startsWith('/kiali/')) return send(res, 200, 'text/html', page('Kiali Console'));
    if (path === '/healthz') return send(res, 200, 'text/plain', 'ok');
    send(res, 404, 'text/plain', '404 page not found\n');
  };
}

/** Grafana and Jaeger are single-page apps: every UI path serves the page. */
function ui(title: string): http.RequestListener {
  return (_req, res) => send(res, 200, 'text/html', page(title));
}

export function addonHandler(kind: AddonKind, samples: () => Sample[]): http.RequestListener {
  switch (kind) {
    case 'prometheus':
      return prometheus(samples);
    case 'kiali':
      return kiali();
    case 'grafana':
      return ui('Grafana');
    case 'tracing':
      return ui('Jaeger UI');
  }
}
