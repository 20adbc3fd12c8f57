/**
 * The environment, validated once. Each process loads only the sections it needs; a
 * missing or malformed variable throws a ConfigError naming the variable (never its
 * value: several are secrets), which the command line turns into one line and exit 78.
 */
import { loadClientConnectConfig } from '@temporalio/envconfig';
import type { ConnectionOptions } from '@temporalio/client';
import { z } from 'zod';
import type { Duration } from '@temporalio/common';
import { DEFAULT_TASK_QUEUE } from './contract/messages';
import { DEFAULT_RECONCILER_CONFIG, type ReconcilerConfig } from './contract/reconciler';
import { durationMs } from './contract/tracking-options';

type Env = Record<string, string | undefined>;

export class ConfigError extends Error {
  constructor(readonly variable: string, problem: string) {
    super(`${variable}: ${problem}`);
    this.name = 'ConfigError';
  }
}

/** Creatify accepts a `webhook_url` of at most 200 characters. */
export const CREATIFY_WEBHOOK_URL_MAX = 200;
/** Characters of the path token appended to WEBHOOK_PUBLIC_URL (see webhook/token.ts). */
export const WEBHOOK_TOKEN_LENGTH = 32;

function read<S extends z.ZodType>(env: Env, name: string, schema: S): z.output<S> {
  const raw = env[name];
  const parsed = schema.safeParse(raw === '' ? undefined : raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(name, raw === undefined || raw === '' ? 'is required' : issue?.message ?? 'is malformed');
  }
  return parsed.data;
}

const hostPort = z.string().regex(/^[^\s:/]+:\d{1,5}$/, 'must be host:port, e.g. localhost:7233');
const port = z.coerce.number().int('must be a port number').min(0, 'must be a port number').max(65535, 'must be a port number');
const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });
const positiveInt = z.coerce.number('must be a whole number').int('must be a whole number').positive('must be positive');

/**
 * What @temporalio/envconfig loads (address, API key, TLS, gRPC metadata), in a shape both
 * the client's Connection and the worker's NativeConnection accept. Named through the
 * client's types: naming @temporalio/worker here would put the worker SDK's typings (and
 * webpack's) into the type-check of every backend that imports the client library.
 */
export type TemporalConnectionOptions = Pick<ConnectionOptions, 'tls' | 'metadata'> & { address: string; apiKey?: string };

export interface TemporalConfig {
  connectionOptions: TemporalConnectionOptions;
  namespace: string;
  taskQueue: string;
}

/** Temporal's own env-config conventions: TEMPORAL_ADDRESS, _NAMESPACE, _API_KEY, _TLS*, or a TOML profile. */
export function loadTemporalConfig(env: Env = process.env): TemporalConfig {
  const address = read(env, 'TEMPORAL_ADDRESS', hostPort.optional());
  let loaded: ReturnType<typeof loadClientConnectConfig>;
  try {
    loaded = loadClientConnectConfig({ overrideEnvVars: env as Record<string, string> });
  } catch (err) {
    throw temporalConfigError(env, err);
  }
  // An empty TEMPORAL_API_KEY (as `.data/env` writes to unset one) means none.
  const { apiKey, ...connectionOptions } = loaded.connectionOptions;
  return {
    connectionOptions: {
      ...connectionOptions,
      ...(apiKey ? { apiKey } : {}),
      // Set but empty (`TEMPORAL_ADDRESS=`) is unset, as for every other variable.
      address: address || loaded.connectionOptions.address || 'localhost:7233',
    },
    namespace: loaded.namespace || 'default',
    taskQueue: read(env, 'LIPSYNC_TASK_QUEUE', z.string().min(1).default(DEFAULT_TASK_QUEUE)),
  };
}

/** TLS files envconfig reads: a missing one is named by the variable that points at it. */
const TLS_PATH_VARIABLES = ['TEMPORAL_TLS_CLIENT_CERT_PATH', 'TEMPORAL_TLS_CLIENT_KEY_PATH', 'TEMPORAL_TLS_SERVER_CA_CERT_PATH'];

/** The variable behind an envconfig failure, and what is wrong, in one line. */
function temporalConfigError(env: Env, err: unknown): ConfigError {
  // Not `instanceof Error`: fs errors may come from another realm (a test runner's sandbox).
  const message = typeof (err as { message?: unknown })?.message === 'string' ? (err as { message: string }).message : String(err);
  const unreadable = /^(?:ENOENT|EACCES|EISDIR)\b[^']*'([^']+)'/.exec(message);
  const variable = unreadable ? TLS_PATH_VARIABLES.find((name) => env[name] === unreadable[1]) : undefined;
  if (variable) return new ConfigError(variable, `cannot read that file (${unreadable![0].split(':')[0]})`);
  if (/^Profile '.*' not found/.test(message)) return new ConfigError('TEMPORAL_PROFILE', 'no such profile in the Temporal client config');
  // The parser's message quotes the offending lines, which may hold an API key: not repeated.
  return new ConfigError('TEMPORAL_CONFIG_FILE', 'the Temporal client config (TOML) cannot be loaded; check its syntax');
}

export interface CreatifyConfig {
  baseUrl: string;
  apiId: string;
  apiKey: string;
  timeoutMs: number;
}

export function loadCreatifyConfig(env: Env = process.env): CreatifyConfig {
  return {
    baseUrl: read(env, 'CREATIFY_API_BASE_URL', httpUrl.default('https://api.creatify.ai')),
    apiId: read(env, 'CREATIFY_API_ID', z.string().min(1)),
    apiKey: read(env, 'CREATIFY_API_KEY', z.string().min(1)),
    // Node clamps timers above 2^31-1 ms to 1 ms: a huge value would time out every call.
    timeoutMs: read(env, 'CREATIFY_TIMEOUT_MS', positiveInt.max(600_000, 'must be at most 600000 (10 minutes)').default(30_000)),
  };
}

/** Whether real Creatify credentials are configured (the local stack uses the sandbox otherwise). */
export function hasCreatifyCredentials(env: Env = process.env): boolean {
  return !!env.CREATIFY_API_ID && !!env.CREATIFY_API_KEY;
}

export interface WebhookConfig {
  /** Public URL of the receiver without the token, e.g. https://hooks.example.com/creatify */
  publicUrl: string;
  /** The first signs new URLs; all are accepted, so a secret can be rotated without downtime. */
  secrets: string[];
  host: string;
  port: number;
  maxBodyBytes: number;
}

export function loadWebhookConfig(env: Env = process.env): WebhookConfig {
  const publicUrl = read(env, 'WEBHOOK_PUBLIC_URL', httpUrl.refine((url) => !/[?#]/.test(url), 'must not contain a query string or fragment')).replace(/\/+$/, '');
  const longest = publicUrl.length + 1 + WEBHOOK_TOKEN_LENGTH;
  if (longest > CREATIFY_WEBHOOK_URL_MAX) {
    throw new ConfigError('WEBHOOK_PUBLIC_URL', `too long: with its token the URL has ${longest} characters, Creatify accepts ${CREATIFY_WEBHOOK_URL_MAX}`);
  }
  const secrets = read(
    env,
    'WEBHOOK_SECRET',
    z
      .string()
      .transform((value) => value.split(',').map((s) => s.trim()).filter(Boolean))
      .refine((list) => list.length > 0 && list.every((s) => s.length >= 16), 'each comma-separated secret needs at least 16 characters'),
  );
  return {
    publicUrl,
    secrets,
    host: read(env, 'WEBHOOK_HOST', z.string().min(1).default('0.0.0.0')),
    port: read(env, 'WEBHOOK_PORT', port.default(8787)),
    maxBodyBytes: read(env, 'WEBHOOK_MAX_BODY_BYTES', positiveInt.default(256 * 1024)),
  };
}

/** The workflow cache's default bound; docs/design.md ("Worker sizing") has the measurements. */
export const DEFAULT_MAX_CACHED_WORKFLOWS = 250;
/**
 * The V8 old-space limit (MB) recommended for worker processes, through
 * NODE_OPTIONS=--max-old-space-size (Node reads it at start): with it 10,000 waiting
 * renders peak at ~350 MB of worker RSS instead of ~550 MB (docs/design.md, "Worker sizing").
 */
export const RECOMMENDED_WORKER_HEAP_MB = 160;

export interface WorkerTuning {
  /** Workflows kept in the worker's memory between tasks; an evicted one replays its (short) history. */
  maxCachedWorkflows: number;
  /** Activities (render POSTs, polls) one worker runs at once; SDK default 100. */
  maxConcurrentActivityTaskExecutions?: number;
  /** Workflow tasks one worker runs at once; SDK default 40. */
  maxConcurrentWorkflowTaskExecutions?: number;
  /**
   * Activities per second the Temporal server hands out on the task queue, all workers
   * together (the SDK's maxTaskQueueActivitiesPerSecond), and Creatify calls per second
   * each worker's client makes, local activities (the pre-render snapshot, a claim's
   * first GET) included (creatify/pacer.ts); unset: no limit.
   */
  creatifyCallsPerSecond?: number;
  /** Threads that run workflow code (the SDK's workflowThreadPoolSize; its default is 1 with a reused V8 context). */
  workflowThreads?: number;
}

const positiveNumber = z.coerce.number('must be a number').refine(Number.isFinite, 'must be a number').positive('must be more than 0');

/** Worker sizing from LIPSYNC_MAX_CACHED_WORKFLOWS, LIPSYNC_MAX_CONCURRENT_* and LIPSYNC_CREATIFY_CALLS_PER_SECOND. */
export function loadWorkerTuning(env: Env = process.env): WorkerTuning {
  const activities = read(env, 'LIPSYNC_MAX_CONCURRENT_ACTIVITIES', positiveInt.optional());
  const workflowTasks = read(env, 'LIPSYNC_MAX_CONCURRENT_WORKFLOW_TASKS', positiveInt.min(2, 'must be at least 2 (the SDK needs one for sticky and one for normal polls)').optional());
  const perSecond = read(env, 'LIPSYNC_CREATIFY_CALLS_PER_SECOND', positiveNumber.optional());
  const workflowThreads = read(env, 'LIPSYNC_WORKFLOW_THREADS', positiveInt.optional());
  return {
    maxCachedWorkflows: read(env, 'LIPSYNC_MAX_CACHED_WORKFLOWS', z.coerce.number('must be a whole number').int('must be a whole number').refine((n) => n === 0 || n >= 2, 'must be 0 (no cache) or at least 2').default(DEFAULT_MAX_CACHED_WORKFLOWS)),
    ...(activities !== undefined ? { maxConcurrentActivityTaskExecutions: activities } : {}),
    ...(workflowTasks !== undefined ? { maxConcurrentWorkflowTaskExecutions: workflowTasks } : {}),
    ...(perSecond !== undefined ? { creatifyCallsPerSecond: perSecond } : {}),
    ...(workflowThreads !== undefined ? { workflowThreads } : {}),
  };
}

/**
 * Where the worker and the webhook receiver serve Prometheus metrics (the worker: SDK metrics and the tracker's own, such as
 * `lipsync_webhook_claims_total`); null when LIPSYNC_METRICS_ADDRESS is unset.
 */
export function loadMetricsAddress(env: Env = process.env): string | null {
  return read(env, 'LIPSYNC_METRICS_ADDRESS', hostPort.optional()) ?? null;
}


/** A duration ("10s", "1 minute") or ms; more than 0, or (zeroAllowed) 0 too. */
const durationOf = (zeroAllowed: boolean) =>
  z.string().transform((value, ctx) => {
    const ms = durationMs(/^\d+$/.test(value) ? Number(value) : (value as Duration));
    if (!(ms > 0 || (zeroAllowed && ms === 0))) {
      ctx.addIssue({ code: 'custom', message: `must be a duration such as "10s", "1 minute" or 500 (ms)${zeroAllowed ? ', or 0' : ''}` });
      return z.NEVER;
    }
    return ms;
  });
const duration = durationOf(false);

/**
 * The fleet reconciler this worker starts (or re-configures) for its task queue; false
 * when LIPSYNC_RECONCILER=off, and trackers then poll by themselves after the webhook window.
 */
export function loadReconcilerConfig(env: Env = process.env): ReconcilerConfig | false {
  const enabled = read(env, 'LIPSYNC_RECONCILER', z.enum(['on', 'off'], { error: 'must be on or off' }).default('on'));
  if (enabled === 'off') return false;
  return {
    overdueIntervalMs: read(env, 'LIPSYNC_RECONCILE_OVERDUE_INTERVAL', duration.optional()) ?? DEFAULT_RECONCILER_CONFIG.overdueIntervalMs,
    idleIntervalMs: read(env, 'LIPSYNC_RECONCILE_IDLE_INTERVAL', duration.optional()) ?? DEFAULT_RECONCILER_CONFIG.idleIntervalMs,
    progressIntervalMs: read(env, 'LIPSYNC_RECONCILE_PROGRESS_INTERVAL', duration.optional()) ?? DEFAULT_RECONCILER_CONFIG.progressIntervalMs,
  };
}

/**
 * LIPSYNC_CREDIT_BUDGET_PER_DAY: the credits renders may be expected to cost per UTC
 * day (the worker checks it before every render POST); unset means no budget.
 */
export function loadCreditBudget(env: Env = process.env): number | null {
  return read(env, 'LIPSYNC_CREDIT_BUDGET_PER_DAY', z.coerce.number().positive('must be a positive number of credits').optional()) ?? null;
}

/** How long one balance reading serves the credits checks of a worker's renders (src/activities/balance.ts). */
export const DEFAULT_BALANCE_MAX_AGE_MS = 500;

/**
 * LIPSYNC_BALANCE_MAX_AGE: a balance reading younger than this is shared by the worker's
 * credits checks (while it covers them with room to spare); 0: every render reads its own.
 */
export function loadBalanceMaxAge(env: Env = process.env): number {
  return read(env, 'LIPSYNC_BALANCE_MAX_AGE', durationOf(true).optional()) ?? DEFAULT_BALANCE_MAX_AGE_MS;
}
