/**
 * A body sent with a Content-Encoding (gzip, deflate, br): inflated before it is read.
 * Python's requests does not compress what it posts, but a proxy or another sender's
 * library may, and express.raw() inflates it, so the two hosts read the same request
 * alike. The inflated body keeps the receiver's size cap: a small gzip bomb is a 413.
 */
import zlib from 'node:zlib';
import type { RejectReason } from './stats';

export type DecodedBody =
  | { body: Buffer }
  | { refused: 'too-large' }
  | { refused: Extract<RejectReason, 'malformed-json' | 'unsupported-encoding'>; status: number; detail: string };

const INFLATE: Record<string, (body: Buffer, options: zlib.ZlibOptions & zlib.BrotliOptions) => Buffer> = {
  identity: (body) => body,
  gzip: zlib.gunzipSync,
  'x-gzip': zlib.gunzipSync,
  deflate: zlib.inflateSync,
  br: zlib.brotliDecompressSync,
};

/** More codings on one body than any sender stacks: each would be inflated on the event loop. */
const MAX_CODINGS = 2;

export function decodeBody(body: Buffer, contentEncoding: string | undefined, maxBytes: number): DecodedBody {
  // Codings apply in the order listed, so they come off last first.
  const codings = (contentEncoding ?? '').split(',').map((coding) => coding.trim().toLowerCase()).filter(Boolean).reverse();
  if (codings.length > MAX_CODINGS) return { refused: 'unsupported-encoding', status: 415, detail: `${codings.length} Content-Encodings on one body; at most ${MAX_CODINGS}` };
  let decoded = body;
  for (const coding of codings) {
    const inflate = INFLATE[coding];
    if (!inflate) return { refused: 'unsupported-encoding', status: 415, detail: `Content-Encoding ${JSON.stringify(coding.slice(0, 20))} is not one of ${Object.keys(INFLATE).join(', ')}` };
    try {
      decoded = inflate(decoded, { maxOutputLength: maxBytes });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') return { refused: 'too-large' };
      return { refused: 'malformed-json', status: 400, detail: `body is not valid ${coding} (${(err as Error).message})` };
    }
  }
  return { body: decoded };
}
