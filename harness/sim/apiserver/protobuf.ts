/**
 * Decoding of the Kubernetes protobuf encoding for the few kinds kubectl's typed `create`
 * commands send that way (namespace, configmap, secret, serviceaccount). Everything else is
 * exchanged as JSON; other protobuf bodies answer 415 with a hint.
 */
import { ApiError } from '../store/errors.js';

const MAGIC = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

type Field = { number: number; bytes?: Buffer; varint?: number };

function readVarint(buf: Buffer, offset: number): [number, number] {
  let value = 0;
  let shift = 0;
  for (let i = offset; i < buf.length; i++) {
    value += (buf[i] & 0x7f) * 2 ** shift;
    shift += 7;
    if ((buf[i] & 0x80) === 0) return [value, i + 1];
  }
  throw malformed();
}

function malformed(): ApiError {
  return new ApiError(400, 'BadRequest', 'the protobuf request body is malformed');
}

function fields(buf: Buffer): Field[] {
  const out: Field[] = [];
  let offset = 0;
  while (offset < buf.length) {
    const [key, next] = readVarint(buf, offset);
    const number = Math.floor(key / 8);
    const wire = key % 8;
    if (wire === 0) {
      const [varint, after] = readVarint(buf, next);
      out.push({ number, varint });
      offset = after;
    } else if (wire === 2) {
      const [length, start] = readVarint(buf, next);
      if (start + length > buf.length) throw malformed();
      out.push({ number, bytes: buf.subarray(start, start + length) });
      offset = start + length;
    } else if (wire === 1 || wire === 5) offset = next + (wire === 1 ? 8 : 4);
    else throw malformed();
  }
  return out;
}

const text = (f: Field) => f.bytes?.toString('utf8') ?? '';

function map(entries: Field[], binary: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of entries) {
    const parts = fields(entry.bytes ?? Buffer.alloc(0));
    const key = parts.find((p) => p.number === 1);
    const value = parts.find((p) => p.number === 2);
    out[key ? text(key) : ''] = value ? (binary ? (value.bytes ?? Buffer.alloc(0)).toString('base64') : text(value)) : '';
  }
  return out;
}

function objectMeta(buf: Buffer): Record<string, unknown> {
  const parts = fields(buf);
  const meta: Record<string, unknown> = {};
  const strings: Record<number, string> = { 1: 'name', 2: 'generateName', 3: 'namespace', 6: 'resourceVersion' };
  for (const part of parts) if (strings[part.number] && part.bytes) meta[strings[part.number]] = text(part);
  const labels = parts.filter((p) => p.number === 11);
  const annotations = parts.filter((p) => p.number === 12);
  if (labels.length) meta.labels = map(labels, false);
  if (annotations.length) meta.annotations = map(annotations, false);
  return meta;
}

/** Object fields by kind, past field 1 (metadata): [number, JSON name, how to read it]. */
const KINDS: Record<string, [number, string, 'map' | 'bytesMap' | 'string' | 'bool'][]> = {
  Namespace: [],
  ServiceAccount: [[4, 'automountServiceAccountToken', 'bool']],
  ConfigMap: [
    [2, 'data', 'map'],
    [3, 'binaryData', 'bytesMap'],
    [4, 'immutable', 'bool'],
  ],
  Secret: [
    [2, 'data', 'bytesMap'],
    [3, 'type', 'string'],
    [4, 'stringData', 'map'],
    [5, 'immutable', 'bool'],
  ],
};

export function decodeProtobuf(body: Buffer): Record<string, unknown> {
  if (body.length < 4 || !body.subarray(0, 4).equals(MAGIC)) throw malformed();
  const envelope = fields(body.subarray(4));
  const typeMeta = fields(envelope.find((f) => f.number === 1)?.bytes ?? Buffer.alloc(0));
  const apiVersion = text(typeMeta.find((f) => f.number === 1) ?? { number: 1 });
  const kind = text(typeMeta.find((f) => f.number === 2) ?? { number: 2 });
  const layout = KINDS[kind];
  if (!layout || apiVersion !== 'v1') {
    throw new ApiError(
      415,
      'UnsupportedMediaType',
      `the sim accepts ${kind || 'this object'} only as JSON: send it with kubectl apply (or as application/json)`,
    );
  }
  const parts = fields(envelope.find((f) => f.number === 2)?.bytes ?? Buffer.alloc(0));
  const obj: Record<string, unknown> = { apiVersion, kind, metadata: objectMeta(parts.find((p) => p.number === 1)?.bytes ?? Buffer.alloc(0)) };
  for (const [number, name, how] of layout) {
    const matching = parts.filter((p) => p.number === number);
    if (matching.length === 0) continue;
    if (how === 'map' || how === 'bytesMap') obj[name] = map(matching, how === 'bytesMap');
    else if (how === 'string') obj[name] = text(matching[0]);
    else obj[name] = matching[0].varint === 1;
  }
  return obj;
}
