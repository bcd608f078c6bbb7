/**
 * What one emulated proxy tells the next, in place of Istio's mTLS handshake and metadata
 * exchange: the caller's workload, whether the hop is mutual TLS, and the port it called.
 * Carried in one internal header, authenticated by a per-data-plane secret so a plaintext
 * client cannot claim mTLS, and always removed before a request reaches an app.
 */
import type { Workload } from './workload.js';

export const PEER_HEADER = 'x-meshspec-peer';

export interface PeerInfo {
  workload: Pick<Workload, 'name' | 'namespace' | 'app' | 'version' | 'principal' | 'canonicalService' | 'canonicalRevision'>;
  mtls: boolean;
  /** Service (or gateway) port the caller targeted. */
  port: number;
  /** FQDN of the service the caller addressed, for destination-side metrics. */
  destinationService: string;
}

export class PeerCodec {
  constructor(private readonly secret: string) {}

  encode(peer: PeerInfo): string {
    return Buffer.from(JSON.stringify({ secret: this.secret, ...peer })).toString('base64url');
  }

  /** The peer when the header is present and genuine; undefined otherwise. */
  decode(header: string | string[] | undefined): PeerInfo | undefined {
    if (typeof header !== 'string') return undefined;
    try {
      const { secret, ...peer } = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as PeerInfo & { secret: string };
      return secret === this.secret ? peer : undefined;
    } catch {
      return undefined;
    }
  }
}
