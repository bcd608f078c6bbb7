/**
 * Routes Kubernetes REST requests to the cluster API: discovery, CRUD, patch, watch, subresources.
 *
 * Over 400 lines: the one place a REST path becomes a call, in the order kube-apiserver's handler
 * chain reads a request; the subresource handlers are the candidate to split out next.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, badRequest } from '../store/errors.js';
import { applyPatch } from '../store/patch.js';
import { parseFieldSelector, parseLabelSelector, type Matcher } from '../store/selectors.js';
import type { KubeObject } from '../store/types.js';
import type { ClusterApi, PatchType } from './api.js';
import type { DeleteOptions } from './deletion.js';
import { decodeBody, readBody } from './body.js';
import { openApiGroupVersion, openApiIndex } from './openapi.js';
import { decodeProtobuf } from './protobuf.js';
import { forward, resolveProxyTarget } from './proxy.js';
import type { ResourceType } from './registry.js';
import { toTable } from './table.js';
import type { PodRuntime } from './types.js';

const PATCH_TYPES: Record<string, PatchType> = {
  'application/json-patch+json': 'json',
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
};

const PROTOBUF = 'application/vnd.kubernetes.protobuf';

/** `/version` as a real server answers it (k8s.io/apimachinery pkg/version Info), for a gitVersion such as v1.36.0-meshspec-sim. */
function versionInfo(gitVersion: string): Record<string, string> {
  const [major, minor] = gitVersion.replace(/^v/, '').split('.');
  return {
    major,
    minor,
    gitVersion,
    gitCommit: 'meshspec',
    gitTreeState: 'clean',
    buildDate: '2026-01-01T00:00:00Z',
    goVersion: 'go1.23',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
}

interface ResourceRequest {
  type: ResourceType;
  version: string;
  namespace?: string;
  name?: string;
  subresource?: string;
  /** Rest of the path after `proxy`. */
  proxyPath: string;
  watch: boolean;
}

function sendJson(res: ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendError(res: ServerResponse, error: unknown): void {
  if (res.headersSent) return void res.destroy();
  const apiError =
    error instanceof ApiError ? error : new ApiError(500, 'InternalError', `Internal error occurred: ${(error as Error)?.message ?? String(error)}`);
  sendJson(res, apiError.code, apiError.toStatus());
}

function mediaType(req: IncomingMessage): string {
  return String(req.headers['content-type'] ?? 'application/json')
    .split(';')[0]
    .trim()
    .toLowerCase();
}

export class RequestHandler {
  private readonly openWatches = new Set<ServerResponse>();

  constructor(
    private readonly api: ClusterApi,
    private readonly runtime: PodRuntime,
    /** The Kubernetes version the server reports, e.g. v1.36.0-meshspec-sim. */
    private readonly gitVersion: string,
  ) {}

  /** Ends every open watch, so the server can close. */
  closeWatches(): void {
    for (const res of this.openWatches) res.end();
    this.openWatches.clear();
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://apiserver');
    let segments: string[];
    try {
      segments = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    } catch {
      throw badRequest(`malformed URL path ${url.pathname}`);
    }
    if (req.method === 'GET' && this.handleInfo(segments, res)) return;
    const resource = this.parseResource(segments, url.searchParams);
    if (!resource) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    await this.handleResource(req, res, resource, url);
  }

  private handleInfo(segments: string[], res: ServerResponse): boolean {
    const path = segments.join('/');
    const registry = this.api.registry;
    if (['healthz', 'readyz', 'livez'].includes(path)) {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      return true;
    }
    const fixed: Record<string, () => unknown> = { version: () => versionInfo(this.gitVersion), 'openapi/v3': () => openApiIndex(registry) };
    if (fixed[path]) {
      sendJson(res, 200, fixed[path]());
      return true;
    }
    if (path === 'openapi/v2') {
      // An empty protobuf document: kubectl falls back to it for kinds the v3 index lacks, finds no
      // schema there, skips client-side validation and reports an unknown kind as "no matches for kind".
      res.writeHead(200, { 'content-type': 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf', 'content-length': 0 }).end();
      return true;
    }
    if (path.startsWith('openapi/v3/')) {
      const doc = openApiGroupVersion(registry, path.slice('openapi/v3/'.length), this.gitVersion);
      if (!doc) return false;
      sendJson(res, 200, doc);
      return true;
    }
    if (path === 'api') {
      sendJson(res, 200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }] });
      return true;
    }
    const groupEntry = (g: { group: string; versions: string[] }) => ({
      name: g.group,
      versions: g.versions.map((v) => ({ groupVersion: `${g.group}/${v}`, version: v })),
      preferredVersion: { groupVersion: `${g.group}/${g.versions[0]}`, version: g.versions[0] },
    });
    if (path === 'apis') {
      sendJson(res, 200, {
        kind: 'APIGroupList',
        apiVersion: 'v1',
        groups: registry
          .groups()
          .filter((g) => g.group)
          .map(groupEntry),
      });
      return true;
    }
    if (segments.length === 2 && segments[0] === 'api' && segments[1] === 'v1') {
      sendJson(res, 200, registry.resourceList('', 'v1'));
      return true;
    }
    if (segments.length === 2 && segments[0] === 'apis') {
      const group = registry.groups().find((g) => g.group === segments[1]);
      if (!group) return false;
      sendJson(res, 200, { kind: 'APIGroup', apiVersion: 'v1', ...groupEntry(group) });
      return true;
    }
    if (segments.length === 3 && segments[0] === 'apis') {
      const list = registry.resourceList(segments[1], segments[2]);
      if (!list) return false;
      sendJson(res, 200, list);
      return true;
    }
    return false;
  }

  private parseResource(segments: string[], query: URLSearchParams): ResourceRequest | undefined {
    let group: string;
    let version: string;
    let rest: string[];
    if (segments[0] === 'api' && segments[1] === 'v1') [group, version, rest] = ['', 'v1', segments.slice(2)];
    else if (segments[0] === 'apis' && segments.length >= 4) [group, version, rest] = [segments[1], segments[2], segments.slice(3)];
    else return undefined;
    let watch = query.get('watch') === 'true' || query.get('watch') === '1';
    if (rest[0] === 'watch') {
      watch = true;
      rest = rest.slice(1);
    }
    let namespace: string | undefined;
    if (rest[0] === 'namespaces' && rest.length >= 3 && !['status', 'finalize'].includes(rest[2])) {
      namespace = rest[1];
      rest = rest.slice(2);
    }
    const type = this.api.registry.byResource(group, version, rest[0]);
    if (!type || (type.namespaced && !namespace && rest.length > 1) || (!type.namespaced && namespace)) return undefined;
    const subresource = rest[2];
    if (type.kind === 'Pod' && !type.group && ['exec', 'attach', 'portforward'].includes(subresource)) {
      // A port-forward the sim serves is a WebSocket upgrade (portforward.ts); this is any other request.
      const what =
        subresource === 'portforward'
          ? 'port-forward to pods other than over WebSocket with v4.channel.k8s.io (as @kubernetes/client-node speaks it)'
          : `${subresource} to pods`;
      throw new ApiError(
        400,
        'BadRequest',
        `the sim provider cannot ${what} (their containers are local processes): reach a pod through the API server proxy, e.g. kubectl get --raw /api/v1/namespaces/NS/pods/NAME:PORT/proxy/PATH, or run with --provider kind`,
      );
    }
    if (subresource && !type.subresources.includes(subresource as never) && !(type.kind === 'Namespace' && subresource === 'finalize')) return undefined;
    if (rest.length > 3 && subresource !== 'proxy') return undefined;
    return { type, version, namespace, name: rest[1], subresource, proxyPath: `/${rest.slice(3).join('/')}`, watch };
  }

  private withVersion(r: ResourceRequest, obj: KubeObject): KubeObject {
    return { ...obj, apiVersion: r.type.group ? `${r.type.group}/${r.version}` : r.version };
  }

  private async handleResource(req: IncomingMessage, res: ServerResponse, r: ResourceRequest, url: URL): Promise<void> {
    const q = url.searchParams;
    const { type } = r;
    const dryRun = q.getAll('dryRun').includes('All');
    const fieldManager = q.get('fieldManager') ?? undefined;
    const fieldValidation = parseFieldValidation(q.get('fieldValidation'));
    const warnings: string[] = [];
    // Sent with whatever answer follows, as the real server's `Warning: 299` headers.
    const warn = () => {
      if (warnings.length && !res.headersSent)
        res.setHeader(
          'warning',
          warnings.map((w) => `299 - ${JSON.stringify(w)}`),
        );
    };
    const wantsTable = /as=Table/.test(String(req.headers.accept ?? ''));
    if (r.subresource === 'proxy') {
      const address = resolveProxyTarget(this.api, this.runtime, type.plural as 'pods' | 'services', r.namespace!, r.name!);
      const trailingSlash = url.pathname.endsWith('/') && r.proxyPath !== '/' ? '/' : '';
      return forward(req, res, address, r.proxyPath + trailingSlash, url.search);
    }
    if (r.subresource === 'log') return this.handleLog(req, res, r, q);
    const method = req.method ?? 'GET';
    if (!r.name) {
      if (method === 'GET' && r.watch) return this.watch(req, res, r, q, wantsTable);
      if (method === 'GET') return this.list(res, r, q, wantsTable);
      if (method === 'POST') {
        const body = mediaType(req) === PROTOBUF ? decodeProtobuf(await readBody(req)) : await this.body(req, ['application/json', 'application/yaml']);
        const created = this.api.create(type, r.namespace, body, { dryRun, fieldManager, fieldValidation, warnings });
        warn();
        return sendJson(res, 201, this.withVersion(r, created));
      }
      if (method === 'DELETE') {
        const matches = this.matcher(q);
        const { preconditions: _p, ...options } = await deleteOptionsOf(req, q);
        const deleted = this.api
          .list(type, r.namespace)
          .filter(matches)
          .map((o) => this.api.delete(type, o.metadata.namespace, o.metadata.name, options));
        return sendJson(res, 200, {
          kind: `${type.kind}List`,
          apiVersion: type.group ? `${type.group}/${r.version}` : r.version,
          metadata: {},
          items: deleted.map((o) => this.withVersion(r, o)),
        });
      }
      throw new ApiError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource: ${method} ${type.plural}`);
    }
    if (r.subresource === 'scale') return this.handleScale(req, res, r, q);
    const subresource = r.subresource === 'status' ? 'status' : undefined;
    switch (method) {
      case 'GET': {
        const obj = this.withVersion(r, this.api.get(type, r.namespace, r.name));
        return sendJson(res, 200, wantsTable ? toTable(type, [obj], obj.metadata.resourceVersion ?? '') : obj);
      }
      case 'PUT': {
        const body = await this.body(req, ['application/json', 'application/yaml']);
        const updated = this.api.update(type, r.namespace, r.name, body, { dryRun, fieldManager, subresource, fieldValidation, warnings });
        warn();
        return sendJson(res, 200, this.withVersion(r, updated));
      }
      case 'PATCH': {
        const patchType = PATCH_TYPES[mediaType(req)];
        if (!patchType) throw unsupportedMediaType(mediaType(req), Object.keys(PATCH_TYPES));
        const body = decodeBody(await readBody(req), patchType === 'apply' ? 'yaml' : 'json');
        const force = q.get('force') === 'true';
        const patched = this.api.patch(type, r.namespace, r.name, patchType, body, { dryRun, fieldManager, force, subresource, fieldValidation, warnings });
        warn();
        return sendJson(res, 200, this.withVersion(r, patched));
      }
      case 'DELETE': {
        const deleted = this.api.delete(type, r.namespace, r.name, await deleteOptionsOf(req, q));
        return sendJson(res, 200, this.withVersion(r, deleted));
      }
      default:
        throw new ApiError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource: ${method}`);
    }
  }

  private async body(req: IncomingMessage, accepted: string[]): Promise<unknown> {
    const type = mediaType(req);
    if (!accepted.includes(type)) throw unsupportedMediaType(type, accepted);
    return decodeBody(await readBody(req), type);
  }

  private matcher(q: URLSearchParams): Matcher {
    const labels = parseLabelSelector(q.get('labelSelector') ?? undefined);
    const fields = parseFieldSelector(q.get('fieldSelector') ?? undefined);
    return (o) => labels(o) && fields(o);
  }

  private list(res: ServerResponse, r: ResourceRequest, q: URLSearchParams, wantsTable: boolean): void {
    const matches = this.matcher(q);
    const resourceVersion = String(this.api.store.resourceVersion);
    const items = this.api
      .list(r.type, r.namespace)
      .filter(matches)
      .map((o) => this.withVersion(r, o));
    if (wantsTable) {
      sendJson(res, 200, toTable(r.type, items, resourceVersion));
      return;
    }
    sendJson(res, 200, {
      kind: `${r.type.kind}List`,
      apiVersion: r.type.group ? `${r.type.group}/${r.version}` : r.version,
      metadata: { resourceVersion },
      items,
    });
  }

  /**
   * Streams changes as JSON lines. Without a resourceVersion the current objects come first as
   * ADDED; an object that stops (or starts) matching the selectors is sent as DELETED (ADDED).
   */
  private watch(req: IncomingMessage, res: ServerResponse, r: ResourceRequest, q: URLSearchParams, wantsTable: boolean): void {
    const matches = this.matcher(q);
    const inScope = (o: KubeObject) => !r.namespace || o.metadata.namespace === r.namespace;
    const fromVersion = q.get('resourceVersion');
    const replay = fromVersion && fromVersion !== '0' ? this.api.store.changesSince(r.type, Number(fromVersion)) : undefined;
    const send = (type: string, obj: KubeObject) => {
      const object = this.withVersion(r, obj);
      res.write(`${JSON.stringify({ type, object: wantsTable ? toTable(r.type, [object], object.metadata.resourceVersion ?? '') : object })}\n`);
    };
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-cache, private' });
    // Clients wait for the headers before they consider the watch open.
    res.flushHeaders();
    this.openWatches.add(res);
    const known = new Set<string>();
    const current = this.api.list(r.type, r.namespace).filter(matches);
    for (const obj of current) known.add(obj.metadata.uid!);
    if (replay) {
      for (const event of replay) if (inScope(event.object) && matches(event.object)) send(event.type, event.object);
    } else for (const obj of current) send('ADDED', obj);
    const typeKey = `${r.type.group}/${r.type.kind}`;
    const unsubscribe = this.api.store.subscribe((event) => {
      if (event.typeKey !== typeKey || !inScope(event.object)) return;
      const uid = event.object.metadata.uid!;
      const wasKnown = known.has(uid);
      if (event.type !== 'DELETED' && matches(event.object)) {
        known.add(uid);
        send(wasKnown ? 'MODIFIED' : 'ADDED', event.object);
      } else if (wasKnown) {
        known.delete(uid);
        send('DELETED', event.object);
      }
    });
    const timeoutSeconds = Number(q.get('timeoutSeconds') ?? 0);
    const timer = timeoutSeconds > 0 ? setTimeout(() => res.end(), timeoutSeconds * 1000) : undefined;
    const stop = () => {
      unsubscribe();
      clearTimeout(timer);
      this.openWatches.delete(res);
    };
    res.on('close', stop);
    req.on('close', () => res.end());
  }

  private handleLog(req: IncomingMessage, res: ServerResponse, r: ResourceRequest, q: URLSearchParams): void {
    const pod = this.api.get(r.type, r.namespace, r.name!);
    const containers: string[] = (pod.spec?.containers ?? []).map((c: any) => c.name);
    const container = q.get('container') ?? undefined;
    if (container && !containers.includes(container) && !(pod.spec?.initContainers ?? []).some((c: any) => c.name === container)) {
      throw badRequest(`container ${container} is not valid for pod ${r.name}`);
    }
    if (!container && containers.length > 1) {
      throw badRequest(`a container name must be specified for pod ${r.name}, choose one of: [${containers.join(' ')}]`);
    }
    const tail = q.get('tailLines');
    const text = this.runtime.logs(r.namespace!, r.name!, container, {
      tailLines: tail === null ? undefined : Number(tail),
      previous: q.get('previous') === 'true',
    });
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.flushHeaders();
    res.write(text);
    if (q.get('follow') !== 'true') return void res.end();
    const stop = this.runtime.followLogs(
      r.namespace!,
      r.name!,
      container,
      (chunk) => res.write(chunk),
      () => res.end(),
    );
    req.on('close', stop);
    res.on('close', stop);
  }

  private async handleScale(req: IncomingMessage, res: ServerResponse, r: ResourceRequest, q: URLSearchParams): Promise<void> {
    const scaleOf = (obj: KubeObject) => ({
      kind: 'Scale',
      apiVersion: 'autoscaling/v1',
      metadata: {
        name: obj.metadata.name,
        namespace: obj.metadata.namespace,
        uid: obj.metadata.uid,
        resourceVersion: obj.metadata.resourceVersion,
        creationTimestamp: obj.metadata.creationTimestamp,
      },
      spec: { replicas: obj.spec?.replicas ?? 0 },
      status: {
        replicas: obj.status?.replicas ?? 0,
        selector: Object.entries(obj.spec?.selector?.matchLabels ?? {})
          .map(([k, v]) => `${k}=${v}`)
          .join(','),
      },
    });
    const current = this.api.get(r.type, r.namespace, r.name!);
    if (req.method === 'GET') return sendJson(res, 200, scaleOf(current));
    let wanted: any;
    if (req.method === 'PUT') wanted = await this.body(req, ['application/json']);
    else if (req.method === 'PATCH') {
      const patchType = PATCH_TYPES[mediaType(req)];
      if (!patchType || patchType === 'apply')
        throw unsupportedMediaType(mediaType(req), ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json']);
      wanted = applyPatch(scaleOf(current), patchType, decodeBody(await readBody(req), 'json'));
    } else throw new ApiError(405, 'MethodNotAllowed', `the server does not allow ${req.method} on ${r.type.plural}/scale`);
    const replicas = wanted?.spec?.replicas;
    if (!Number.isInteger(replicas) || replicas < 0)
      throw new ApiError(
        422,
        'Invalid',
        `Scale.autoscaling "${r.name}" is invalid: spec.replicas: Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`,
      );
    const updated = this.api.patch(r.type, r.namespace, r.name!, 'merge', { spec: { replicas } }, { dryRun: q.getAll('dryRun').includes('All') });
    sendJson(res, 200, scaleOf(updated));
  }
}

/** DeleteOptions from the query and the body (JSON; typed clients may send protobuf, whose options the defaults stand in for). */
async function deleteOptionsOf(req: IncomingMessage, q: URLSearchParams): Promise<DeleteOptions> {
  const raw = await readBody(req);
  const body = raw.length && mediaType(req) !== PROTOBUF ? (decodeBody(raw, 'json') as Record<string, any>) : {};
  const grace = q.get('gracePeriodSeconds') ?? body?.gracePeriodSeconds;
  if (grace !== undefined && grace !== null && !/^-?\d+$/.test(String(grace)))
    throw badRequest(`gracePeriodSeconds must be a whole number of seconds (got ${JSON.stringify(grace)})`);
  const policy = q.get('propagationPolicy') ?? body?.propagationPolicy;
  if (policy !== undefined && policy !== null && !['Orphan', 'Background', 'Foreground'].includes(policy)) {
    throw badRequest(`propagationPolicy must be Orphan, Background or Foreground (got ${JSON.stringify(policy)})`);
  }
  return {
    dryRun: q.getAll('dryRun').includes('All') || Boolean(body?.dryRun?.includes?.('All')),
    propagationPolicy: policy ?? undefined,
    preconditions: body?.preconditions,
    gracePeriodSeconds: grace === undefined || grace === null ? undefined : Number(grace),
  };
}

function parseFieldValidation(value: string | null): 'Strict' | 'Warn' | 'Ignore' | undefined {
  if (value === null || value === '') return undefined;
  if (value === 'Strict' || value === 'Warn' || value === 'Ignore') return value;
  throw badRequest(`fieldValidation must be Strict, Warn or Ignore (got "${value}")`);
}

function unsupportedMediaType(type: string, accepted: string[]): ApiError {
  return new ApiError(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format (${type}) - accepted media types include: ${accepted.join(', ')}`,
  );
}
