/**
 * Errors of the kube layer: one line that names the object and says how to fix the problem.
 * API errors arrive from client-node as ApiException with the server's `Status` as a JSON
 * string body; they are turned into that line here, once.
 */
import { ApiException } from '@kubernetes/client-node';

/** A failure the user can act on; the message names the object or file and the fix. */
export class KubeError extends Error {
  override name = 'KubeError';
}

interface StatusBody {
  reason?: string;
  message?: string;
  details?: { causes?: { field?: string; message?: string }[] };
}

function statusOf(error: ApiException<unknown>): StatusBody {
  const body = error.body;
  if (typeof body === 'object' && body !== null) return body as StatusBody;
  if (typeof body !== 'string') return {};
  try {
    return JSON.parse(body) as StatusBody;
  } catch {
    return { message: body.trim() };
  }
}

/** HTTP status of an API error, or undefined for errors that never reached the server. */
export function httpStatusOf(error: unknown): number | undefined {
  return error instanceof ApiException ? error.code : undefined;
}

export const isNotFound = (error: unknown) => httpStatusOf(error) === 404;

/**
 * Errors worth retrying until a deadline: the server or a webhook behind it is not ready yet
 * (5xx, 429), or the connection failed. Istio's validation webhook answers 500 for a while
 * after istiod starts; that must read as "not yet", not as a broken manifest.
 */
export function isTransient(error: unknown): boolean {
  const status = httpStatusOf(error);
  if (status !== undefined) return status >= 500 || status === 429;
  const code = (error as { code?: unknown; cause?: { code?: unknown } })?.code ?? (error as { cause?: { code?: unknown } })?.cause?.code;
  return typeof code === 'string' && /^(ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|UND_ERR_SOCKET)$/.test(code);
}

/** "422 Invalid: <server message> (spec.x: reason)" for API errors, the message for anything else. */
export function describeApiError(error: unknown): string {
  if (!(error instanceof ApiException)) return error instanceof Error ? error.message : String(error);
  const status = statusOf(error);
  const causes = (status.details?.causes ?? []).map((c) => [c.field, c.message].filter(Boolean).join(': ')).filter((c) => c && !status.message?.includes(c));
  const head = [String(error.code), status.reason].filter(Boolean).join(' ');
  return `${head}: ${status.message ?? 'no message from the server'}${causes.length ? ` (${causes.join('; ')})` : ''}`;
}
