/**
 * A throwaway certificate authority and a server certificate for 127.0.0.1 (ECDSA P-256,
 * SHA-256), built by @peculiar/x509 over Node's WebCrypto: Node makes and signs keys but has no
 * X.509 builder. The library needs a Reflect metadata polyfill (tsyringe), loaded first.
 */
import 'reflect-metadata';
import {
  AuthorityKeyIdentifierExtension,
  BasicConstraintsExtension,
  ExtendedKeyUsage,
  ExtendedKeyUsageExtension,
  KeyUsageFlags,
  KeyUsagesExtension,
  SubjectAlternativeNameExtension,
  SubjectKeyIdentifierExtension,
  X509CertificateGenerator,
} from '@peculiar/x509';
import { KeyObject, webcrypto } from 'node:crypto';

export interface ServerCertificates {
  /** PEM of the CA that signed the server certificate; goes into the kubeconfig. */
  caPem: string;
  certPem: string;
  keyPem: string;
}

const ECDSA_P256_SHA256 = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
const HOUR_MS = 3_600_000;
const YEAR_MS = 365 * 24 * HOUR_MS;

export async function createServerCertificates(): Promise<ServerCertificates> {
  const ca = await webcrypto.subtle.generateKey(ECDSA_P256_SHA256, false, ['sign', 'verify']);
  // Extractable: its private key goes to the TLS server as PEM.
  const server = await webcrypto.subtle.generateKey(ECDSA_P256_SHA256, true, ['sign', 'verify']);
  const now = Date.now();
  // An hour back, so a client whose clock is a little behind still accepts the certificates.
  const validity = { notBefore: new Date(now - HOUR_MS), notAfter: new Date(now + YEAR_MS), signingAlgorithm: ECDSA_P256_SHA256 };
  const caCertificate = await X509CertificateGenerator.createSelfSigned(
    {
      ...validity,
      name: 'CN=meshspec-sim-ca',
      keys: ca,
      extensions: [
        new BasicConstraintsExtension(true, undefined, true),
        new KeyUsagesExtension(KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign, true),
        // RFC 5280 4.2.1.2: a CA certificate carries its key identifier, which the leaf's
        // authority key identifier (4.2.1.1) names; strict verifiers (OpenSSL -x509_strict,
        // Python 3.13's default) refuse a leaf without it.
        await SubjectKeyIdentifierExtension.create(ca.publicKey, false, webcrypto),
      ],
    },
    webcrypto,
  );
  const serverCertificate = await X509CertificateGenerator.create(
    {
      ...validity,
      subject: 'CN=meshspec-sim',
      issuer: caCertificate.subject,
      publicKey: server.publicKey,
      signingKey: ca.privateKey,
      extensions: [
        new BasicConstraintsExtension(false, undefined, true),
        new KeyUsagesExtension(KeyUsageFlags.digitalSignature, true),
        // The kubeconfig names the server https://127.0.0.1:PORT; localhost for clients that resolve it.
        new SubjectAlternativeNameExtension([
          { type: 'ip', value: '127.0.0.1' },
          { type: 'dns', value: 'localhost' },
        ]),
        new ExtendedKeyUsageExtension([ExtendedKeyUsage.serverAuth]),
        await AuthorityKeyIdentifierExtension.create(ca.publicKey, false, webcrypto),
      ],
    },
    webcrypto,
  );
  return {
    caPem: caCertificate.toString('pem'),
    certPem: serverCertificate.toString('pem'),
    keyPem: KeyObject.from(server.privateKey).export({ type: 'pkcs8', format: 'pem' }) as string,
  };
}
