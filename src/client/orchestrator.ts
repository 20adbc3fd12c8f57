/**
 * The library backend code imports: start tracking a render, read its status, wait for
 * its result, cancel it, list renders by status, and make Creatify previews that carry
 * our webhook URL.
 */
import { Client, Connection, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import { loadCreatifyConfig, loadTemporalConfig, loadWebhookConfig, type TemporalConfig } from '../config';
import { CreatifyClient, type Lipsync, type LipsyncRequest } from '../creatify';
import { webhookUrl as webhookUrlFor } from '../contract/webhook-url';
import type { WebhookConfig } from '../config';
import { LIPSYNC_STATUS, statusQuery, WORKFLOW_TYPE, type RenderResult, type TrackedStatus, type TrackingState } from '../contract/messages';
import { lipsyncIdOfWorkflow, workflowIdFor } from '../contract/lipsync-id';
import { type TrackingOptions } from '../contract/tracking-options';
import type { trackLipsyncRender } from '../workflows';
import { startTracing, type Tracing } from './tracing';
import { previewWithWebhook } from './preview';
import { watchRender, type WatchEvent, type WatchOptions } from './watch';
import { InvalidLipsyncIdError, InvalidTrackingOptionsError, RenderNotFoundError, toRenderError } from './errors';
import { LipsyncIdSchema, TrackedStatusSchema, TrackingOptionsSchema } from '../contract/schemas';

const QUERY_TIMEOUT_MS = 3_000;

export interface RenderStatus {
  lipsyncId: string;
  workflowId: string;
  /** Temporal's view: RUNNING, COMPLETED, FAILED, CANCELLED, ... */
  execution: string;
  /** The tracker's view; null if the workflow has not answered a query yet. */
  state: TrackingState | null;
  status: TrackedStatus | null;
}

export interface RenderSummary {
  lipsyncId: string;
  workflowId: string;
  execution: string;
  status: string | null;
  startTime: Date;
  closeTime: Date | null;
}

export interface OrchestratorDeps {
  client: Client;
  taskQueue: string;
  webhook?: WebhookConfig;
  creatify?: CreatifyClient;
  /** Closed on close(); set when this library opened it. */
  connection?: Connection;
  /** Where webhook and Creatify settings are read from when first needed (if not given above). */
  env?: NodeJS.ProcessEnv;
  /** Flushed on close(); set by connect() when OTEL_EXPORTER_OTLP_ENDPOINT is. */
  tracing?: Tracing;
}

export class LipsyncOrchestrator {
  private webhook: WebhookConfig | undefined;
  private creatify: CreatifyClient | undefined;

  constructor(private readonly deps: OrchestratorDeps) {
    this.webhook = deps.webhook;
    this.creatify = deps.creatify;
  }

  /**
   * Connects from the environment (same variables as the worker). Webhook and Creatify
   * settings are read only by webhookUrl() and preview(), so status or list work without them.
   */
  static async connect(env: NodeJS.ProcessEnv = process.env, options: { connectTimeoutMs?: number } = {}): Promise<LipsyncOrchestrator> {
    const temporal: TemporalConfig = loadTemporalConfig(env);
    const connection = await Connection.connect({ ...temporal.connectionOptions, connectTimeout: options.connectTimeoutMs ?? 10_000 });
    const tracing = startTracing('lipsync-client', env);
    return new LipsyncOrchestrator({
      client: new Client({ connection, namespace: temporal.namespace, ...(tracing ? { plugins: [tracing.plugin] } : {}) }),
      tracing: tracing ?? undefined,
      connection,
      taskQueue: temporal.taskQueue,
      env,
    });
  }

  get client(): Client {
    return this.deps.client;
  }

  /**
   * Starts tracking (and so rendering) a previewed lipsync. Idempotent: a second call for
   * the same lipsync returns the same workflow, running or finished, and never renders again.
   */
  async startRender(lipsyncId: string, options: TrackingOptions = {}): Promise<WorkflowHandle<typeof trackLipsyncRender>> {
    const id = parseId(lipsyncId);
    const parsed = TrackingOptionsSchema.safeParse(options);
    if (!parsed.success) {
      throw new InvalidTrackingOptionsError(parsed.error.issues.map((issue) => `${issue.path.join('.') || 'options'}: ${issue.message}`));
    }
    const parsedOptions = parsed.data;
    const workflowId = workflowIdFor(id);
    try {
      return await this.deps.client.workflow.start<typeof trackLipsyncRender>(WORKFLOW_TYPE, {
        workflowId,
        taskQueue: this.deps.taskQueue,
        args: [{ lipsyncId: id, options: parsedOptions }],
        workflowIdConflictPolicy: 'USE_EXISTING',
        // One workflow per lipsync, ever: a finished job is not started (and paid for) again.
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        staticSummary: `Render of Creatify lipsync ${id}`,
        typedSearchAttributes: [{ key: LIPSYNC_STATUS, value: 'rendering' }],
      });
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) return this.handle(id);
      throw err;
    }
  }

  async getStatus(lipsyncId: string): Promise<RenderStatus> {
    const id = parseId(lipsyncId);
    const handle = this.handle(id);
    const description = await notFoundAs(id, () => handle.describe());
    const status = (description.typedSearchAttributes.get(LIPSYNC_STATUS) as TrackedStatus | undefined) ?? null;
    let state: TrackingState | null = null;
    try {
      // A query needs a worker; without one it would hang for half a minute.
      state = await this.deps.client.connection.withDeadline(Date.now() + QUERY_TIMEOUT_MS, () => handle.query(statusQuery));
    } catch {
      // No worker answered in time (or the workflow cannot be replayed): the search attribute still tells.
    }
    return { lipsyncId: id, workflowId: handle.workflowId, execution: description.status.name, state, status: state?.status ?? status };
  }

  /** Resolves with the finished video, or rejects with a RenderError saying why not. */
  async waitForResult(lipsyncId: string): Promise<RenderResult> {
    const id = parseId(lipsyncId);
    try {
      return await notFoundAs(id, () => this.handle(id).result());
    } catch (err) {
      throw toRenderError(id, err);
    }
  }

  /**
   * Follows a render: status events as it changes, then one `done` or `ended` event.
   * `for await (const event of orchestrator.watch(id)) …`
   */
  watch(lipsyncId: string, options?: WatchOptions): AsyncGenerator<WatchEvent> {
    return watchRender(this, parseId(lipsyncId), options);
  }

  /** Stops tracking a running render. Resolves false (and does nothing) when it had already ended. */
  async cancel(lipsyncId: string): Promise<{ cancelled: boolean; execution: string }> {
    const id = parseId(lipsyncId);
    const handle = this.handle(id);
    const { status } = await notFoundAs(id, () => handle.describe());
    if (status.name !== 'RUNNING') return { cancelled: false, execution: status.name };
    try {
      await handle.cancel();
    } catch (err) {
      // It may have ended between the two calls: that is "nothing to cancel", not an error.
      const now = (await handle.describe()).status.name;
      if (now !== 'RUNNING') return { cancelled: false, execution: now };
      throw err;
    }
    return { cancelled: true, execution: status.name };
  }

  /** Tracked renders, newest first, optionally filtered by LipsyncStatus (through Temporal visibility). */
  async list(filter: { status?: string; limit?: number } = {}): Promise<RenderSummary[]> {
    const clauses = [`WorkflowType = '${WORKFLOW_TYPE}'`];
    if (filter.status !== undefined) clauses.push(`LipsyncStatus = '${TrackedStatusSchema.parse(filter.status)}'`);
    const limit = filter.limit ?? 100;
    const out: RenderSummary[] = [];
    for await (const info of this.deps.client.workflow.list({ query: clauses.join(' AND ') })) {
      out.push({
        lipsyncId: lipsyncIdOfWorkflow(info.workflowId) ?? info.workflowId,
        workflowId: info.workflowId,
        execution: info.status.name,
        status: (info.typedSearchAttributes.get(LIPSYNC_STATUS) as string | undefined) ?? null,
        startTime: info.startTime,
        closeTime: info.closeTime ?? null,
      });
      if (out.length >= limit) break;
    }
    return out;
  }

  /** The URL to pass as `webhook_url` when creating or previewing a lipsync. */
  webhookUrl(): string {
    this.webhook ??= loadWebhookConfig(this.deps.env ?? {});
    return webhookUrlFor(this.webhook);
  }

  /** Creatify only calls the webhook given at create/preview time, so previews go through here. */
  async preview(body: LipsyncRequest): Promise<Lipsync> {
    this.webhook ??= loadWebhookConfig(this.deps.env ?? {});
    this.creatify ??= new CreatifyClient(loadCreatifyConfig(this.deps.env ?? {}));
    return previewWithWebhook(this.creatify, this.webhook, body);
  }

  async close(): Promise<void> {
    // Only what this library opened itself is closed: a caller's clients stay theirs.
    if (this.creatify !== this.deps.creatify) await this.creatify?.close();
    await this.deps.connection?.close();
    await this.deps.tracing?.flush().catch(() => undefined);
  }

  private handle(lipsyncId: string): WorkflowHandle<typeof trackLipsyncRender> {
    return this.deps.client.workflow.getHandle<typeof trackLipsyncRender>(workflowIdFor(lipsyncId));
  }
}

function parseId(lipsyncId: string): string {
  const parsed = LipsyncIdSchema.safeParse(lipsyncId);
  if (!parsed.success) throw new InvalidLipsyncIdError(lipsyncId);
  return parsed.data;
}

async function notFoundAs<T>(lipsyncId: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new RenderNotFoundError(lipsyncId);
    throw err;
  }
}
