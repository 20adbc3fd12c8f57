import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadBalanceMaxAge, loadCreatifyConfig, loadMetricsAddress, loadTemporalConfig, loadWebhookConfig } from '../../src/config';

const webhookEnv = { WEBHOOK_PUBLIC_URL: 'https://hooks.example.com/creatify', WEBHOOK_SECRET: 'a-secret-of-at-least-16' };

function configError(load: () => unknown): ConfigError {
  try {
    load();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('config', () => {
  // A sender may post the whole record, its scenes' texts echoed back (§3.1: up to 2,000
  // characters each; no documented cap on scenes). The default cap must take it, or the
  // delivery is refused (413) and the job waits for a poll.
  test('the default webhook body cap takes a delivery that echoes the whole record: 10 scenes of 2,000 two-byte characters', () => {
    const scene = { character: { type: 'avatar', avatar_id: 'a'.repeat(36) }, voice: { type: 'text', input_text: 'é'.repeat(2_000), voice_id: 'v'.repeat(36) } };
    const record = { id: '3c90c3cc-0d44-4b50-8888-8dd25736052a', status: 'done', output: 'https://x/y.mp4', video_inputs: Array.from({ length: 10 }, () => scene) };
    expect(Buffer.byteLength(JSON.stringify(record))).toBeLessThanOrEqual(loadWebhookConfig(webhookEnv).maxBodyBytes);
  });

  test('defaults', () => {
    const temporal = loadTemporalConfig({});
    expect(temporal.connectionOptions.address).toBe('localhost:7233');
    expect(temporal.namespace).toBe('default');
    expect(temporal.taskQueue).toBe('lipsync-render');
    expect(loadWebhookConfig(webhookEnv)).toMatchObject({ port: 8787, host: '0.0.0.0', secrets: ['a-secret-of-at-least-16'] });
    expect(loadCreatifyConfig({ CREATIFY_API_ID: 'id', CREATIFY_API_KEY: 'key' })).toMatchObject({ baseUrl: 'https://api.creatify.ai', timeoutMs: 30_000 });
    expect(loadMetricsAddress({})).toBeNull();
    expect(loadBalanceMaxAge({})).toBe(500);
  });

  test('LIPSYNC_BALANCE_MAX_AGE: a duration or ms; 0 turns the shared balance reading off', () => {
    expect(loadBalanceMaxAge({ LIPSYNC_BALANCE_MAX_AGE: '2s' })).toBe(2_000);
    expect(loadBalanceMaxAge({ LIPSYNC_BALANCE_MAX_AGE: '250ms' })).toBe(250);
    expect(loadBalanceMaxAge({ LIPSYNC_BALANCE_MAX_AGE: '750' })).toBe(750);
    expect(loadBalanceMaxAge({ LIPSYNC_BALANCE_MAX_AGE: '0' })).toBe(0);
    expect(loadBalanceMaxAge({ LIPSYNC_BALANCE_MAX_AGE: '' })).toBe(500);
  });

  test('Temporal Cloud settings come through env-config (API key turns TLS on)', () => {
    const cloud = loadTemporalConfig({ TEMPORAL_ADDRESS: 'ns.a1b2c.tmprl.cloud:7233', TEMPORAL_NAMESPACE: 'ns.a1b2c', TEMPORAL_API_KEY: 'k' });
    expect(cloud.connectionOptions).toMatchObject({ address: 'ns.a1b2c.tmprl.cloud:7233', apiKey: 'k', tls: true });
    expect(cloud.namespace).toBe('ns.a1b2c');
  });

  test.each([
    ['TEMPORAL_ADDRESS', () => loadTemporalConfig({ TEMPORAL_ADDRESS: 'not an address' })],
    ['CREATIFY_API_KEY', () => loadCreatifyConfig({ CREATIFY_API_ID: 'id' })],
    ['CREATIFY_API_BASE_URL', () => loadCreatifyConfig({ CREATIFY_API_ID: 'id', CREATIFY_API_KEY: 'k', CREATIFY_API_BASE_URL: 'ftp://x' })],
    ['CREATIFY_TIMEOUT_MS', () => loadCreatifyConfig({ CREATIFY_API_ID: 'id', CREATIFY_API_KEY: 'k', CREATIFY_TIMEOUT_MS: '-5' })],
    ['WEBHOOK_PUBLIC_URL', () => loadWebhookConfig({ ...webhookEnv, WEBHOOK_PUBLIC_URL: undefined })],
    ['WEBHOOK_PUBLIC_URL', () => loadWebhookConfig({ ...webhookEnv, WEBHOOK_PUBLIC_URL: `https://hooks.example.com/${'x'.repeat(170)}` })],
    ['WEBHOOK_PUBLIC_URL', () => loadWebhookConfig({ ...webhookEnv, WEBHOOK_PUBLIC_URL: 'https://hooks.example.com/c?a=b' })],
    ['WEBHOOK_SECRET', () => loadWebhookConfig({ ...webhookEnv, WEBHOOK_SECRET: 'short' })],
    ['WEBHOOK_PORT', () => loadWebhookConfig({ ...webhookEnv, WEBHOOK_PORT: '99999' })],
    ['LIPSYNC_METRICS_ADDRESS', () => loadMetricsAddress({ LIPSYNC_METRICS_ADDRESS: 'http://0.0.0.0:9464' })],
    ['LIPSYNC_BALANCE_MAX_AGE', () => loadBalanceMaxAge({ LIPSYNC_BALANCE_MAX_AGE: 'soon' })],
    ['LIPSYNC_BALANCE_MAX_AGE', () => loadBalanceMaxAge({ LIPSYNC_BALANCE_MAX_AGE: '-1s' })],
  ])('a bad %s is named in one line', (variable, load) => {
    const err = configError(load);
    expect(err.variable).toBe(variable);
    expect(err.message.startsWith(`${variable}: `)).toBe(true);
    expect(err.message).not.toContain('\n');
  });

  test('a secret never appears in the error', () => {
    const err = configError(() => loadWebhookConfig({ ...webhookEnv, WEBHOOK_SECRET: 'long-enough-secret-value,tiny' }));
    expect(err.message).not.toContain('long-enough-secret-value');
    expect(err.message).not.toContain('tiny');
  });

  test('several secrets are accepted for rotation', () => {
    expect(loadWebhookConfig({ ...webhookEnv, WEBHOOK_SECRET: 'new-secret-0123456789, old-secret-0123456789' }).secrets).toEqual([
      'new-secret-0123456789',
      'old-secret-0123456789',
    ]);
  });

  test('a broken Temporal TOML file is named without quoting it (it may hold an API key)', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'toml-')), 'temporal.toml');
    fs.writeFileSync(file, '[profile.default]\napi_key = "tcld-SUPERSECRET\n');
    const err = configError(() => loadTemporalConfig({ TEMPORAL_CONFIG_FILE: file }));
    expect(err.variable).toBe('TEMPORAL_CONFIG_FILE');
    expect(err.message).not.toContain('SUPERSECRET');
    expect(err.message).not.toContain('\n');
  });

  test('a missing TLS file or profile is named by its own variable; an empty TEMPORAL_ADDRESS or TEMPORAL_NAMESPACE is unset', () => {
    const cert = configError(() => loadTemporalConfig({ TEMPORAL_TLS_CLIENT_CERT_PATH: '/missing/client.pem', TEMPORAL_TLS_CLIENT_KEY_PATH: '/missing/client.key' }));
    expect(cert.variable).toBe('TEMPORAL_TLS_CLIENT_CERT_PATH');
    expect(cert.message).toBe('TEMPORAL_TLS_CLIENT_CERT_PATH: cannot read that file (ENOENT)');
    expect(configError(() => loadTemporalConfig({ TEMPORAL_TLS_SERVER_CA_CERT_PATH: '/missing/ca.pem' })).variable).toBe('TEMPORAL_TLS_SERVER_CA_CERT_PATH');
    expect(configError(() => loadTemporalConfig({ TEMPORAL_PROFILE: 'nope' })).message).toBe('TEMPORAL_PROFILE: no such profile in the Temporal client config');
    const empty = loadTemporalConfig({ TEMPORAL_ADDRESS: '', TEMPORAL_NAMESPACE: '' });
    expect(empty.connectionOptions.address).toBe('localhost:7233');
    expect(empty.namespace).toBe('default');
  });
});
