/**
 * The webhook URL handed to Creatify, shared by the client (which puts it on previews)
 * and the receiver (which checks its token). The path token is the only thing that
 * authenticates Creatify: deliveries are unsigned (creatify-api.md §7), so whoever knows
 * the URL can post. The token is derived from a secret rather than being the secret, so
 * the secret itself never travels in a URL.
 */
import { createHmac } from 'node:crypto';
import { ConfigError, CREATIFY_WEBHOOK_URL_MAX, WEBHOOK_TOKEN_LENGTH, type WebhookConfig } from '../config';

// Versioned so a future derivation can coexist with this one during a rotation.
const TOKEN_LABEL = 'creatify-webhook/v1';

/** base64url, so the token needs no escaping in a URL path. 32 chars ≈ 192 bits. */
export function webhookToken(secret: string): string {
  return createHmac('sha256', secret).update(TOKEN_LABEL).digest('base64url').slice(0, WEBHOOK_TOKEN_LENGTH);
}

/**
 * The URL to pass as `webhook_url` at create/preview time. Signed with the first
 * secret: rotation puts the new secret first and keeps the old one until no render
 * created under it is still in flight.
 */
export function webhookUrl(config: Pick<WebhookConfig, 'publicUrl' | 'secrets'>): string {
  const [current] = config.secrets;
  if (!current) throw new ConfigError('WEBHOOK_SECRET', 'is required');
  const base = config.publicUrl.replace(/\/+$/, '');
  // A token appended after a query or fragment would not be part of the path.
  if (/[?#]/.test(base)) throw new ConfigError('WEBHOOK_PUBLIC_URL', 'must not contain a query string or fragment');
  const url = `${base}/${webhookToken(current)}`;
  if (url.length > CREATIFY_WEBHOOK_URL_MAX) {
    throw new ConfigError(
      'WEBHOOK_PUBLIC_URL',
      `too long: with its token the URL has ${url.length} characters, Creatify accepts ${CREATIFY_WEBHOOK_URL_MAX}`,
    );
  }
  return url;
}
