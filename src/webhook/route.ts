/**
 * Where a request is going, and how to name that place in a log without the token.
 * Paths are compared as sent (not percent-decoded): Creatify posts to the exact URL we
 * gave it, and a base64url token never needs escaping.
 */

export type Route =
  | { kind: 'elsewhere' }
  /** Under the receiver's prefix; `token` is whatever follows it, possibly empty or wrong. */
  | { kind: 'webhook'; token: string };

/** The path part of WEBHOOK_PUBLIC_URL without a trailing slash ('' for a bare host). */
export function routePrefix(publicUrl: string): string {
  return new URL(publicUrl).pathname.replace(/\/+$/, '');
}

/** Drops the query, the fragment and, for absolute-form targets (proxies), the origin. */
export function pathOf(target: string): string {
  const withoutOrigin = target.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, '');
  const end = withoutOrigin.search(/[?#]/);
  const path = end === -1 ? withoutOrigin : withoutOrigin.slice(0, end);
  return path.startsWith('/') ? path : `/${path}`;
}

export function matchRoute(target: string, prefix: string): Route {
  const path = pathOf(target);
  if (path === prefix) return { kind: 'webhook', token: '' };
  if (!path.startsWith(`${prefix}/`)) return { kind: 'elsewhere' };
  // One slash too many on either side of the token (a proxy's rewrite, a URL joined by
  // hand) is no other token: the token is never empty of its own characters.
  return { kind: 'webhook', token: path.slice(prefix.length + 1).replace(/^\/(?=[^/])|(?<=[^/])\/$/g, '') };
}

const MAX_LOGGED_PATH = 120;
// Shorter than any token (32 chars), so a token can never survive inside a kept segment.
const MAX_KEPT_SEGMENT = 15;

/**
 * The path fit for a log line. Under the prefix everything after it is replaced; any
 * other path keeps only short segments, in case a misrouted request carries the token
 * somewhere else. Control characters are escaped so a path cannot forge log lines.
 */
export function redactPath(target: string, prefix: string): string {
  const path = pathOf(target);
  const route = matchRoute(path, prefix);
  const redacted =
    route.kind === 'webhook'
      ? `${prefix}/${route.token === '' ? '' : '[token]'}`
      : path
          .split('/')
          .map((segment) => (segment.length > MAX_KEPT_SEGMENT ? '[…]' : segment))
          .join('/');
  const printable = JSON.stringify(redacted).slice(1, -1);
  return printable.length > MAX_LOGGED_PATH ? `${printable.slice(0, MAX_LOGGED_PATH)}…` : printable;
}
