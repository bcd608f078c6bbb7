/** Request bodies: size limit, strict UTF-8, JSON or YAML by content type. */
import type { IncomingMessage } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { ApiError, badRequest } from '../store/errors.js';

const MAX_BODY_BYTES = 3 * 1024 * 1024;

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw tooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function tooLarge(): ApiError {
  return new ApiError(413, 'RequestEntityTooLarge', `the request body is larger than the ${MAX_BODY_BYTES / 1024 / 1024} MiB the server accepts`);
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/** Decodes a JSON (or, for YAML media types, YAML) body; malformed input answers 400 saying where. */
export function decodeBody(body: Buffer, mediaType: string): unknown {
  let text: string;
  try {
    text = decoder.decode(body);
  } catch {
    throw badRequest('the request body is not valid UTF-8 text');
  }
  if (text.trim() === '') throw badRequest('the request body is empty; send the object as JSON');
  if (mediaType.endsWith('yaml')) {
    try {
      return parseYaml(text, { prettyErrors: true });
    } catch (error) {
      throw badRequest(`error decoding YAML body: ${(error as Error).message}`);
    }
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw badRequest(`error decoding JSON body: ${(error as Error).message}`);
  }
}
