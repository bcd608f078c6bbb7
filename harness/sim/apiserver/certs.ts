/**
 * A throwaway certificate authority and a server certificate for 127.0.0.1, made with node:crypto
 * alone: Node can make and sign keys but has no X.509 builder, so the few DER structures a
 * certificate needs are encoded here (ECDSA P-256, SHA-256).
 */
import { createPrivateKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';

export interface ServerCertificates {
  /** PEM of the CA that signed the server certificate; goes into the kubeconfig. */
  caPem: string;
  certPem: string;
  keyPem: string;
}

function der(tag: number, content: Buffer): Buffer {
  const length = content.length;
  let header: Buffer;
  if (length < 0x80) header = Buffer.from([tag, length]);
  else if (length < 0x100) header = Buffer.from([tag, 0x81, length]);
  else header = Buffer.from([tag, 0x82, length >> 8, length & 0xff]);
  return Buffer.concat([header, content]);
}
const sequence = (...parts: Buffer[]) => der(0x30, Buffer.concat(parts));
const set = (...parts: Buffer[]) => der(0x31, Buffer.concat(parts));
const utf8 = (text: string) => der(0x0c, Buffer.from(text, 'utf8'));
const octets = (content: Buffer) => der(0x04, content);
const bits = (content: Buffer) => der(0x03, Buffer.concat([Buffer.from([0]), content]));
const bool = (value: boolean) => der(0x01, Buffer.from([value ? 0xff : 0]));
const explicit = (n: number, content: Buffer) => der(0xa0 + n, content);

function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split('.').map(Number);
  const bytes = [a * 40 + b];
  for (const part of rest) {
    const chunk = [part & 0x7f];
    for (let v = part >> 7; v > 0; v >>= 7) chunk.unshift((v & 0x7f) | 0x80);
    bytes.push(...chunk);
  }
  return der(0x06, Buffer.from(bytes));
}

/**
 * DER wants the shortest two's-complement form: OpenSSL refuses a certificate whose serial starts
 * with a needless zero byte ("illegal padding"), which a random serial does 1 time in 512.
 */
function positiveInteger(bytes: Buffer): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start += 1;
  const minimal = bytes.subarray(start);
  return der(0x02, minimal[0] & 0x80 ? Buffer.concat([Buffer.from([0]), minimal]) : minimal);
}

function generalizedTime(date: Date): Buffer {
  const text = date.toISOString().replace(/[-:T]/g, '').replace(/\.\d+Z$/, 'Z');
  return der(0x18, Buffer.from(text, 'ascii'));
}

const name = (commonName: string) => sequence(set(sequence(oid('2.5.4.3'), utf8(commonName))));
const ecdsaWithSha256 = sequence(oid('1.2.840.10045.4.3.2'));

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return sequence(oid(id), ...(critical ? [bool(true)] : []), octets(value));
}

interface CertificateRequest {
  subject: string;
  issuer: string;
  publicKey: KeyObject;
  signingKey: KeyObject;
  isCa: boolean;
}

function certificate(request: CertificateRequest): string {
  const now = Date.now();
  const extensions = [
    extension('2.5.29.19', true, request.isCa ? sequence(bool(true)) : sequence()),
    // keyUsage: keyCertSign+cRLSign for the CA, digitalSignature for the server.
    extension('2.5.29.15', true, request.isCa ? bits(Buffer.from([0x06])) : bits(Buffer.from([0x80]))),
  ];
  if (!request.isCa) {
    // subjectAltName: IP 127.0.0.1 and DNS localhost; extendedKeyUsage: serverAuth.
    extensions.push(
      extension('2.5.29.17', false, sequence(der(0x87, Buffer.from([127, 0, 0, 1])), der(0x82, Buffer.from('localhost')))),
      extension('2.5.29.37', false, sequence(oid('1.3.6.1.5.5.7.3.1'))),
    );
  }
  const tbs = sequence(
    explicit(0, der(0x02, Buffer.from([2]))),
    positiveInteger(randomBytes(16)),
    ecdsaWithSha256,
    name(request.issuer),
    sequence(generalizedTime(new Date(now - 3_600_000)), generalizedTime(new Date(now + 365 * 86_400_000))),
    name(request.subject),
    request.publicKey.export({ type: 'spki', format: 'der' }),
    explicit(3, sequence(...extensions)),
  );
  const signature = sign('sha256', tbs, request.signingKey);
  const body = sequence(tbs, ecdsaWithSha256, bits(signature)).toString('base64');
  return `-----BEGIN CERTIFICATE-----\n${body.match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`;
}

export function createServerCertificates(): ServerCertificates {
  const ca = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const server = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const caPem = certificate({ subject: 'meshspec-sim-ca', issuer: 'meshspec-sim-ca', publicKey: ca.publicKey, signingKey: ca.privateKey, isCa: true });
  const certPem = certificate({ subject: 'meshspec-sim', issuer: 'meshspec-sim-ca', publicKey: server.publicKey, signingKey: ca.privateKey, isCa: false });
  const keyPem = createPrivateKey(server.privateKey.export({ type: 'pkcs8', format: 'pem' })).export({ type: 'pkcs8', format: 'pem' }) as string;
  return { caPem, certPem, keyPem };
}
