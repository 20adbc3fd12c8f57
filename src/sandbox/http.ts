import type { IncomingMessage, ServerResponse } from 'node:http';

// Small helpers for plain node:http handlers.

export const MAX_BODY_BYTES = 1024 * 1024;

export interface JsonReply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  /** Sent instead of the JSON body, as HTML (a page where an answer was expected). */
  html?: string;
}

export function sendJson(res: ServerResponse, reply: JsonReply): void {
  if (reply.html !== undefined) return sendText(res, reply.status, 'text/html; charset=utf-8', reply.html);
  const payload = JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(payload),
    ...reply.headers,
  });
  res.end(payload);
}

export function sendText(res: ServerResponse, status: number, contentType: string, text: string): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export class BodyTooLarge extends Error {}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new BodyTooLarge('request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Parses a JSON body; an empty body is `{}` like DRF's parser gives for no content. */
export function parseJson(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  if (text.trim() === '') return { ok: true, value: {} };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    return { ok: false, message: err instanceof Error ? err.message : String(err) };
  }
}

export function notFound(): JsonReply & { body: { detail: string } } {
  return { status: 404, body: { detail: 'Not found.' } };
}

/** DRF's answer when a permission class refuses the call. */
export function forbidden(): JsonReply & { body: { detail: string } } {
  return { status: 403, body: { detail: 'You do not have permission to perform this action.' } };
}

export function methodNotAllowed(method: string, allowed: readonly string[]): JsonReply {
  return {
    status: 405,
    body: { detail: `Method "${method}" not allowed.` },
    headers: { allow: allowed.join(', ') },
  };
}

/** Destroys the connection without a response byte (connection reset as seen by the client). */
export function dropConnection(res: ServerResponse): void {
  res.socket?.destroy();
}
