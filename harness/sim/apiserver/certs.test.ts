import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { connect, createServer } from 'node:tls';
import { describe, expect, it, vi } from 'vitest';

// Serials that a random draw yields now and then: padding zeros (1 in 512 draws) and a high bit.
const serials = vi.hoisted(() => [] as Buffer[]);
vi.mock('node:crypto', async (importOriginal) => {
  const crypto = await importOriginal<typeof import('node:crypto')>();
  return { ...crypto, randomBytes: (size: number) => serials.shift() ?? crypto.randomBytes(size) };
});
const { createServerCertificates } = await import('./certs.js');

async function handshake(certificates: ReturnType<typeof createServerCertificates>): Promise<boolean> {
  const server = createServer({ cert: certificates.certPem, key: certificates.keyPem }, (socket) => socket.end());
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const socket = connect({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, ca: certificates.caPem });
    await once(socket, 'secureConnect');
    const authorized = socket.authorized;
    socket.destroy();
    return authorized;
  } finally {
    server.close();
  }
}

describe('sim server certificates', () => {
  it.for([
    { case: 'a leading zero byte', serial: [0x00, 0x10, 0xab], value: '10AB' },
    { case: 'several leading zero bytes', serial: [0x00, 0x00, 0x00, 0x7f], value: '7F' },
    { case: 'a zero byte before a high bit', serial: [0x00, 0x80, 0x01], value: '8001' },
    { case: 'the high bit set', serial: [0xff, 0x01], value: 'FF01' },
  ])('encode a serial drawn with $case minimally, so OpenSSL accepts them', async ({ serial, value }) => {
    serials.push(Buffer.from(serial), Buffer.from(serial));
    const certificates = createServerCertificates();
    const ca = new X509Certificate(certificates.caPem);
    const leaf = new X509Certificate(certificates.certPem);
    expect([ca.serialNumber, leaf.serialNumber]).toEqual([value, value]);
    expect(leaf.verify(ca.publicKey)).toBe(true);
    expect(leaf.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(await handshake(certificates)).toBe(true);
  });
});
