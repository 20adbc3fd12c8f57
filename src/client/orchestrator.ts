/**
 * The library backend code imports: start tracking a render, read its status, wait for
 * its result, cancel it, list renders by status, and make Creatify previews that carry
 * our webhook URL.
 */
import { createHash } from 'node:crypto';
import { Client, Connection, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import type { Duration } from '@temporalio/common';
import { loadCreatifyConfig, loadTemporalConfig, loadWebhookConfig, type TemporalConfig } from '../config';
import { CreatifyClient, type Lipsync, type LipsyncRequest } from '../creatify';
import { webhookUrl as webhookUrlFor } from '../contract/webhook-url';
import type { WebhookConfig } from '../config';
import { LIPSYNC_STATUS, OPEN_STATUSES, statusQuery, TRACKER_REVISION, WORKFLOW_TYPE, type RenderResult, type TrackedStatus, type TrackingState } from '../contract/messages';
import { lipsyncIdOfWorkflow, workflowIdFor } from '../contract/lipsync-id';
import { type TrackingOptions } from '../contract/tracking-options';
import type { renderBatch, trackLipsyncRender } from '../workflows';
import {
  approvalUpdate,
  BATCH_WORKFLOW_TYPE,
  batchProgressQuery,
  DEFAULT_BATCH_CONCURRENCY,
  MAX_BATCH_SIZE,
  OVER_BUDGET_CHOICES,
  type ApprovalRequest,
  type OverBudget,
  type ApprovalState,
  type BatchProgress,
} from '../contract/approval-credits';
import { creditsReport, type CreditsReport } from './credits';
import { startTracing, type Tracing } from './tracing';
import { previewWithWebhook } from './preview';
import { watchRender, type WatchEvent, type WatchOptions } from './watch';
import { ApprovalRefusedError, InvalidBatchError, InvalidLipsyncIdError, InvalidListFilterError, InvalidTrackingOptionsError, RenderNotFoundError, toRenderError } from './errors';
import { DurationSchema, LipsyncIdSchema, TrackedStatusSchema, TrackingOptionsSchema } from '../contract/schemas';

const QUERY_TIMEOUT_MS = 3_000;

/**
 * The one end a new start of the same lipsync runs again. Not `declined` or `expired`:
 * a person (or the lack of one) said no to paying, and a backend repeating its start
 * must not overrule that. Not `failed`, `invalid` or `timed_out`: a render may have been
 * paid, or the same refusal would come again.
 */
const RESTARTABLE_END: TrackedStatus = 'insufficient_credits';

export interface RenderStatus {
  lipsyncId: string;
  workflowId: string;
  /** Temporal's view: RUNNING, COMPLETED, FAILED, CANCELLED, ... */
  execution: string;
  /** The tracker's view; null if the workflow has not answered a query yet. */
  state: TrackingState | null;
  /**
   * The tracker's status; `terminated` when its run was stopped from outside (a `temporal
   * workflow terminate`, a run timeout) before it could record an end: its last status
   * (`running`, say) no longer says what happens.
   */
  status: TrackedStatus | 'terminated' | null;
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
   * The one exception is a job that ended `insufficient_credits`: nothing was paid, so a
   * second call starts a new run of it (which renders if the credits now suffice).
   */
  async startRender(lipsyncId: string, options: TrackingOptions = {}, money: { overBudget?: OverBudget } = {}): Promise<WorkflowHandle<typeof trackLipsyncRender>> {
    return this.startTracking(parseId(lipsyncId), options, undefined, money.overBudget);
  }

  private async startTracking(id: string, options: TrackingOptions, approval?: ApprovalRequest, overBudget?: OverBudget): Promise<WorkflowHandle<typeof trackLipsyncRender>> {
    if (overBudget !== undefined && !OVER_BUDGET_CHOICES.includes(overBudget)) throw new InvalidTrackingOptionsError([`overBudget: one of ${OVER_BUDGET_CHOICES.join(', ')}`]);
    const parsedOptions = parseOptions(options);
    const start = (reuse: 'REJECT_DUPLICATE' | 'ALLOW_DUPLICATE_FAILED_ONLY') =>
      this.deps.client.workflow.start<typeof trackLipsyncRender>(WORKFLOW_TYPE, {
        workflowId: workflowIdFor(id),
        taskQueue: this.deps.taskQueue,
        args: [{ lipsyncId: id, options: parsedOptions, ...(approval ? { approval } : {}), ...(overBudget ? { overBudget } : {}), revision: TRACKER_REVISION }],
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: reuse,
        staticSummary: `Render of Creatify lipsync ${id}`,
        typedSearchAttributes: [{ key: LIPSYNC_STATUS, value: approval ? 'awaiting_approval' : 'rendering' }],
      });
    try {
      // One workflow per lipsync: a job that ended is not started (and paid for) again...
      return await start('REJECT_DUPLICATE');
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
    // ...unless it ended refused for want of credits: nothing was rendered or paid, and
    // asking again (after a top-up, say) is asking for the render it never got. Should
    // another start win the race to it, the new run's snapshot before the POST still
    // sees that render on the record and does not POST again.
    if (!(await this.endedForWantOfCredits(id))) return this.handle(id);
    try {
      return await start('ALLOW_DUPLICATE_FAILED_ONLY');
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) return this.handle(id);
      throw err;
    }
  }

  /** The lipsync's latest tracker ended `insufficient_credits` (FAILED, with nothing POSTed or a POST Creatify refused). */
  private async endedForWantOfCredits(id: string): Promise<boolean> {
    const description = await this.handle(id).describe();
    return description.status.name === 'FAILED' && description.typedSearchAttributes.get(LIPSYNC_STATUS) === RESTARTABLE_END;
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
    return { lipsyncId: id, workflowId: handle.workflowId, execution: description.status.name, state, status: asClosed(description.status.name, state?.status ?? status) };
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
    if (filter.status === 'terminated') {
      // Stopped from outside at an open status (see asClosed): its search attribute still says that status.
      clauses.push(`ExecutionStatus IN ('Terminated', 'TimedOut')`, `LipsyncStatus IN (${[...OPEN_STATUSES].map((open) => `'${open}'`).join(', ')})`);
    } else if (filter.status !== undefined) {
      const status = TrackedStatusSchema.safeParse(filter.status);
      if (!status.success) throw new InvalidListFilterError(`status ${JSON.stringify(filter.status)} is none of ${[...TrackedStatusSchema.options, 'terminated'].join(', ')}`);
      clauses.push(`LipsyncStatus = '${status.data}'`);
      // A stage is only true of a run still going: a terminated run keeps its last one.
      if (OPEN_STATUSES.has(status.data as TrackedStatus)) clauses.push(`ExecutionStatus = 'Running'`);
    }
    const limit = filter.limit ?? 100;
    if (!Number.isInteger(limit) || limit < 1) throw new InvalidListFilterError(`limit must be a whole number of at least 1, got ${String(filter.limit)}`);
    const out: RenderSummary[] = [];
    for await (const info of this.deps.client.workflow.list({ query: clauses.join(' AND ') })) {
      out.push({
        lipsyncId: lipsyncIdOfWorkflow(info.workflowId) ?? info.workflowId,
        workflowId: info.workflowId,
        execution: info.status.name,
        status: asClosed(info.status.name, (info.typedSearchAttributes.get(LIPSYNC_STATUS) as string | undefined) ?? null),
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

  /**
   * Previews `body` (with our webhook) and starts a render that waits, in status
   * `awaiting_approval`, for approve() or reject(); with no decision within
   * `approvalTimeout` (default 24 h) it ends `expired`, nothing paid.
   */
  async previewForApproval(
    body: LipsyncRequest,
    options: { approvalTimeout?: Duration; tracking?: TrackingOptions; overBudget?: OverBudget } = {},
  ): Promise<{ lipsync: Lipsync; handle: WorkflowHandle<typeof trackLipsyncRender> }> {
    const timeout = options.approvalTimeout === undefined ? undefined : DurationSchema.safeParse(options.approvalTimeout);
    if (timeout && !timeout.success) throw new InvalidTrackingOptionsError([`approvalTimeout: ${timeout.error.issues[0]!.message}`]);
    parseOptions(options.tracking ?? {});
    const lipsync = await this.preview(body);
    const approval = { preview: lipsync.preview ?? null, ...(timeout ? { timeout: timeout.data } : {}) };
    const handle = await this.startTracking(parseId(lipsync.id), options.tracking ?? {}, approval, options.overBudget);
    return { lipsync, handle };
  }

  /** Approves a render waiting for approval: it renders exactly as startRender would. Resolves with the decision as recorded. */
  approve(lipsyncId: string, options: { by?: string } = {}): Promise<ApprovalState> {
    return this.decide(lipsyncId, { approve: true, ...(options.by ? { by: options.by } : {}) });
  }

  /** Rejects a render waiting for approval: it ends `declined`, nothing paid. */
  reject(lipsyncId: string, reason: string, options: { by?: string } = {}): Promise<ApprovalState> {
    return this.decide(lipsyncId, { approve: false, reason, ...(options.by ? { by: options.by } : {}) });
  }

  private async decide(lipsyncId: string, decision: { approve: boolean; reason?: string; by?: string }): Promise<ApprovalState> {
    const id = parseId(lipsyncId);
    const handle = this.handle(id);
    const { status } = await notFoundAs(id, () => handle.describe());
    if (status.name !== 'RUNNING') throw new ApprovalRefusedError(id, `the job has ended (${status.name.toLowerCase()}); nothing to decide`);
    try {
      return await handle.executeUpdate(approvalUpdate, { args: [decision] });
    } catch (err) {
      // The validator's refusal (already decided, ended, not waiting) comes back as the Update's failure.
      if (err instanceof WorkflowUpdateFailedError) throw new ApprovalRefusedError(id, err.cause?.message ?? err.message);
      const now = (await handle.describe().catch(() => null))?.status.name;
      if (now && now !== 'RUNNING') throw new ApprovalRefusedError(id, `the job has ended (${now.toLowerCase()}); nothing to decide`);
      throw err;
    }
  }

  /**
   * Starts (or finds) a batch: a workflow that renders every lipsync with at most
   * `concurrency` at once. Its id comes from the set of ids, so the same batch started
   * again is the same workflow; each render is the usual tracker, so nothing is started twice.
   */
  async startRenders(lipsyncIds: readonly string[], options: { concurrency?: number; tracking?: TrackingOptions } = {}): Promise<{ batchId: string; lipsyncIds: string[] }> {
    const ids = [...new Set(lipsyncIds.map(parseId))];
    if (ids.length === 0) throw new InvalidBatchError('no lipsync ids');
    if (ids.length > MAX_BATCH_SIZE) throw new InvalidBatchError(`${ids.length} lipsync ids; a batch holds at most ${MAX_BATCH_SIZE}`);
    const concurrency = options.concurrency ?? DEFAULT_BATCH_CONCURRENCY;
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new InvalidBatchError(`concurrency must be a whole number of at least 1, not ${concurrency}`);
    const tracking = parseOptions(options.tracking ?? {});
    const batchId = batchIdFor(ids);
    try {
      await this.deps.client.workflow.start<typeof renderBatch>(BATCH_WORKFLOW_TYPE, {
        workflowId: batchId,
        taskQueue: this.deps.taskQueue,
        args: [{ lipsyncIds: ids, concurrency, options: tracking }],
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        staticSummary: `Batch of ${ids.length} Creatify lipsync renders, ${concurrency} at once`,
      });
    } catch (err) {
      // Already ran to its end: the same batch, nothing to start.
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
    return { batchId, lipsyncIds: ids };
  }

  /** The batch workflow's execution status (RUNNING, COMPLETED, TERMINATED, …), without asking it anything. */
  async batchExecution(batchId: string): Promise<string> {
    return (await notFoundAs(batchId, () => this.deps.client.workflow.getHandle(batchId).describe())).status.name;
  }

  /** Where a batch stands: counts and one entry per render. */
  async batchProgress(batchId: string): Promise<BatchProgress & { execution: string }> {
    const handle = this.deps.client.workflow.getHandle<typeof renderBatch>(batchId);
    const description = await notFoundAs(batchId, () => handle.describe());
    if (description.status.name === 'COMPLETED') return { ...(await handle.result()), execution: 'COMPLETED' };
    const progress = await this.deps.client.connection.withDeadline(Date.now() + QUERY_TIMEOUT_MS, () => handle.query(batchProgressQuery));
    return { ...progress, execution: description.status.name };
  }

  /**
   * The credits ledger since `since` (default 7 days ago): by day, by outcome, median
   * time to done, webhook vs poll, and the balance Creatify reports now.
   */
  async credits(options: { since?: Date } = {}): Promise<CreditsReport> {
    const since = options.since ?? new Date(Date.now() - 7 * 86_400_000);
    return creditsReport(this.deps.client, { since }, async () => {
      try {
        this.creatify ??= new CreatifyClient(loadCreatifyConfig(this.deps.env ?? {}));
        return (await this.creatify.remainingCredits()).remaining_credits ?? null;
      } catch {
        return null;
      }
    });
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

function parseOptions(options: TrackingOptions): TrackingOptions {
  const parsed = TrackingOptionsSchema.safeParse(options);
  if (!parsed.success) {
    throw new InvalidTrackingOptionsError(parsed.error.issues.map((issue) => `${issue.path.join('.') || 'options'}: ${issue.message}`));
  }
  return parsed.data;
}

/** The same set of lipsyncs, in any order, is the same batch. */
export function batchIdFor(lipsyncIds: readonly string[]): string {
  const digest = createHash('sha256').update([...lipsyncIds].sort().join('\n')).digest('hex');
  return `lipsync-batch-${digest.slice(0, 24)}`;
}

/** A run that closed at an open status was stopped from outside (terminated, timed out): it says so, not its last stage. */
function asClosed<S extends string | null>(execution: string, status: S): S | 'terminated' {
  return (execution === 'TERMINATED' || execution === 'TIMED_OUT') && status !== null && OPEN_STATUSES.has(status as TrackedStatus) ? 'terminated' : status;
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
