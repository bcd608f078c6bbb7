/**
 * Reads one regular file out of a .tar.gz: istioctl's release archive holds a single binary,
 * which does not justify a tar dependency. Handles ustar and GNU long names (type 'L').
 */
import { gunzipSync } from 'node:zlib';

const BLOCK = 512;

/** Returns the contents of the first regular file whose base name is `name`, or null. */
export function extractFileFromTarGz(archive: Buffer, name: string): Buffer | null {
  const tar = gunzipSync(archive);
  let offset = 0;
  let longName: string | null = null;
  while (offset + BLOCK <= tar.length) {
    const header = tar.subarray(offset, offset + BLOCK);
    if (header.every((byte) => byte === 0)) return null;
    const size = parseOctal(header.subarray(124, 136));
    const type = String.fromCharCode(header[156] || 48);
    const body = tar.subarray(offset + BLOCK, offset + BLOCK + size);
    offset += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
    if (type === 'L') {
      longName = cString(body);
      continue;
    }
    const prefix = cString(header.subarray(345, 500));
    const entryName = longName ?? (prefix ? `${prefix}/` : '') + cString(header.subarray(0, 100));
    longName = null;
    if ((type === '0' || type === '\0') && entryName.split('/').pop() === name) return Buffer.from(body);
  }
  return null;
}

function cString(bytes: Buffer): string {
  const end = bytes.indexOf(0);
  return bytes.subarray(0, end === -1 ? bytes.length : end).toString('utf8');
}

function parseOctal(bytes: Buffer): number {
  const text = cString(bytes).trim();
  return text ? parseInt(text, 8) : 0;
}
