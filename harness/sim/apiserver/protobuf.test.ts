import { describe, expect, it } from 'vitest';
import { decodeProtobuf } from './protobuf.js';

/** Length-delimited protobuf field (all test values are shorter than 128 bytes). */
const field = (n: number, value: Buffer | string) => {
  const bytes = Buffer.from(value);
  return Buffer.concat([Buffer.from([(n << 3) | 2, bytes.length]), bytes]);
};
const envelope = (apiVersion: string, kind: string, raw: Buffer) =>
  Buffer.concat([Buffer.from('k8s\0', 'latin1'), field(1, Buffer.concat([field(1, apiVersion), field(2, kind)])), field(2, raw)]);
const entry = (k: string, v: string) => Buffer.concat([field(1, k), field(2, v)]);

describe('protobuf bodies of kubectl create', () => {
  it('decodes a Namespace with labels', () => {
    const meta = Buffer.concat([field(1, 'demo'), field(11, entry('team', 'a'))]);
    expect(decodeProtobuf(envelope('v1', 'Namespace', field(1, meta)))).toEqual({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'demo', labels: { team: 'a' } },
    });
  });

  it('decodes a Secret, keeping binary data as base64 and the type', () => {
    const raw = Buffer.concat([field(1, field(1, 'creds')), field(2, entry('pw', 'hunter2')), field(3, 'Opaque')]);
    expect(decodeProtobuf(envelope('v1', 'Secret', raw))).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'creds' },
      data: { pw: Buffer.from('hunter2').toString('base64') },
      type: 'Opaque',
    });
  });

  it('refuses other kinds with 415 and a hint, and garbage with 400', () => {
    expect(() => decodeProtobuf(envelope('apps/v1', 'Deployment', Buffer.alloc(0)))).toThrow(/accepts Deployment only as JSON: send it with kubectl apply/);
    expect(() => decodeProtobuf(Buffer.from('k8s\0\x0a\x7f', 'latin1'))).toThrow(/malformed/);
    expect(() => decodeProtobuf(Buffer.from('{}'))).toThrow(/malformed/);
  });
});
