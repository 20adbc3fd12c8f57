import { ConfigError, CREATIFY_WEBHOOK_URL_MAX, WEBHOOK_TOKEN_LENGTH } from '../../src/config';
import { redactPath } from '../../src/webhook/route';
import { matchToken } from '../../src/webhook/token';
import { webhookToken, webhookUrl } from '../../src/contract/webhook-url';

const CURRENT = 'current-secret-0123456789';
const PREVIOUS = 'previous-secret-0123456789';
const RETIRED = 'retired-secret-0123456789';

describe('webhookToken', () => {
  it('is stable for a secret: the same secret always yields the same URL', () => {
    // Pinned value: changing the derivation would silently invalidate every URL
    // already handed to Creatify for renders still in flight. Computed outside the code:
    // printf creatify-webhook/v1 | openssl dgst -sha256 -hmac "$SECRET" -binary | basenc --base64url | cut -c1-32
    expect(webhookToken(CURRENT)).toBe('g280tgFboZye5kz56y5s6SD_VN9Le7E_');
    expect(webhookToken(CURRENT)).toBe(webhookToken(CURRENT));
  });

  it('is URL-safe, of the configured length, and differs per secret', () => {
    for (const secret of [CURRENT, PREVIOUS, RETIRED]) {
      expect(webhookToken(secret)).toMatch(new RegExp(`^[A-Za-z0-9_-]{${WEBHOOK_TOKEN_LENGTH}}$`));
    }
    expect(new Set([CURRENT, PREVIOUS, RETIRED].map(webhookToken)).size).toBe(3);
  });

  it('does not contain the secret', () => {
    expect(webhookToken(CURRENT)).not.toContain(CURRENT.slice(0, 8));
  });
});

describe('matchToken', () => {
  const secrets = [CURRENT, PREVIOUS];

  it('accepts the token of every configured secret (rotation)', () => {
    expect(matchToken(webhookToken(CURRENT), secrets)).toBe(true);
    expect(matchToken(webhookToken(PREVIOUS), secrets)).toBe(true);
  });

  it('rejects a retired secret, a near miss, the secret itself and odd lengths', () => {
    const token = webhookToken(CURRENT);
    const nearMiss = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    for (const candidate of [webhookToken(RETIRED), nearMiss, CURRENT, '', token.slice(0, -1), `${token}x`, `${token}/`]) {
      expect(matchToken(candidate, secrets)).toBe(false);
    }
  });

  it('rejects everything when no secret is configured', () => {
    expect(matchToken(webhookToken(CURRENT), [])).toBe(false);
  });

  it('handles multi-byte candidates without throwing', () => {
    expect(matchToken('é'.repeat(WEBHOOK_TOKEN_LENGTH / 2), secrets)).toBe(false);
  });
});

describe('webhookUrl', () => {
  it('appends the token of the first secret to the public URL', () => {
    const url = webhookUrl({ publicUrl: 'https://hooks.example.com/creatify', secrets: [CURRENT, PREVIOUS] });
    expect(url).toBe(`https://hooks.example.com/creatify/${webhookToken(CURRENT)}`);
    expect(webhookUrl({ publicUrl: 'https://hooks.example.com/creatify/', secrets: [CURRENT] })).toBe(url);
  });

  it('accepts exactly Creatify’s 200-character limit and refuses one more', () => {
    const base = 'https://h.example.com/';
    const fill = (n: number) => `${base}${'p'.repeat(n - base.length)}`;
    const fitting = fill(CREATIFY_WEBHOOK_URL_MAX - 1 - WEBHOOK_TOKEN_LENGTH);
    expect(webhookUrl({ publicUrl: fitting, secrets: [CURRENT] })).toHaveLength(CREATIFY_WEBHOOK_URL_MAX);
    const tooLong = fill(CREATIFY_WEBHOOK_URL_MAX - WEBHOOK_TOKEN_LENGTH);
    expect(() => webhookUrl({ publicUrl: tooLong, secrets: [CURRENT] })).toThrow(ConfigError);
    expect(() => webhookUrl({ publicUrl: tooLong, secrets: [CURRENT] })).toThrow(/201 characters.*200/);
  });

  it('refuses a public URL with a query string or no secret', () => {
    expect(() => webhookUrl({ publicUrl: 'https://h.example.com/x?a=1', secrets: [CURRENT] })).toThrow(/query/);
    expect(() => webhookUrl({ publicUrl: 'https://h.example.com/x', secrets: [] })).toThrow(/WEBHOOK_SECRET/);
  });
});

describe('redactPath', () => {
  const token = webhookToken(CURRENT);

  it('never shows the token, under the prefix or elsewhere', () => {
    expect(redactPath(`/creatify/${token}?x=1`, '/creatify')).toBe('/creatify/[token]');
    expect(redactPath(`http://proxy:8080/creatify/${token}`, '/creatify')).toBe('/creatify/[token]');
    expect(redactPath(`/other/${token}/x`, '/creatify')).toBe('/other/[…]/x');
    expect(redactPath('/favicon.ico', '/creatify')).toBe('/favicon.ico');
  });

  it('escapes control characters so a path cannot forge a log line', () => {
    expect(redactPath('/a\nwebhook 200 signalled', '/creatify')).not.toContain('\n');
  });
});
