/** VirtualService route selection, in Envoy's order: first matching http route of the oldest rule. */
import { hostMatches } from './hosts.js';
import type { HttpRoute, RouteMatch, VirtualService } from './config-types.js';
import { labelsMatch } from './workload.js';

export interface RouteRequest {
  method: string;
  /** Path with query string. */
  path: string;
  /** Lower-case header names. */
  headers: Record<string, string>;
  /** Authority as sent (may carry a port). */
  authority: string;
  /** The (service or gateway) port the client called. */
  port: number;
  sourceLabels?: Record<string, string>;
  sourceNamespace?: string;
}

export interface RouteChoice {
  virtualService: VirtualService;
  route: HttpRoute;
  /** The match that selected the route; undefined for a route without matches. */
  match?: RouteMatch;
}

/**
 * VirtualServices bound to one of `gateways` whose hosts cover one of `names`. Rules with only
 * tcp/tls routes say nothing about HTTP traffic and are left out.
 */
export function virtualServicesFor(all: VirtualService[], names: string[], gateways: ReadonlySet<string>): VirtualService[] {
  return all.filter(
    (vs) => vs.http.length > 0 && vs.gateways.some((g) => gateways.has(g)) && vs.hosts.some((pattern) => names.some((n) => hostMatches(pattern, n))),
  );
}

function queryParams(path: string): URLSearchParams {
  const q = path.indexOf('?');
  return new URLSearchParams(q < 0 ? '' : path.slice(q + 1));
}

function matches(match: RouteMatch, req: RouteRequest, vsGateways: string[], gateways: ReadonlySet<string>): boolean {
  const pathOnly = req.path.split('?')[0]!;
  if (match.uri && !match.uri(pathOnly)) return false;
  if (match.method && !match.method(req.method)) return false;
  if (match.authority && !match.authority(req.authority)) return false;
  if (match.port !== undefined && match.port !== req.port) return false;
  if (match.headers.some(([name, test]) => !test(req.headers[name]))) return false;
  if (match.withoutHeaders.some(([name, test]) => test(req.headers[name]))) return false;
  if (match.queryParams.length > 0) {
    const params = queryParams(req.path);
    if (match.queryParams.some(([name, test]) => !test(params.get(name) ?? undefined))) return false;
  }
  if (!(match.gateways ?? vsGateways).some((g) => gateways.has(g))) return false;
  // Source conditions only hold for sidecars; a gateway has no source workload to match.
  if (match.sourceLabels && !(req.sourceLabels && labelsMatch(match.sourceLabels, req.sourceLabels))) return false;
  if (match.sourceNamespace !== undefined && match.sourceNamespace !== req.sourceNamespace) return false;
  return true;
}

export function selectRoute(virtualServices: VirtualService[], req: RouteRequest, gateways: ReadonlySet<string>): RouteChoice | undefined {
  for (const virtualService of virtualServices) {
    for (const route of virtualService.http) {
      if (route.matches.length === 0) {
        if (virtualService.gateways.some((g) => gateways.has(g))) return { virtualService, route };
        continue;
      }
      const match = route.matches.find((m) => matches(m, req, virtualService.gateways, gateways));
      if (match) return { virtualService, route, match };
    }
  }
  return undefined;
}

/** Picks a destination by weight. */
export function pickWeighted<T extends { weight: number }>(items: T[], random: () => number = Math.random): T | undefined {
  const total = items.reduce((sum, d) => sum + d.weight, 0);
  if (total <= 0) return items[0];
  let point = random() * total;
  for (const item of items) {
    point -= item.weight;
    if (point < 0) return item;
  }
  return items[items.length - 1];
}
