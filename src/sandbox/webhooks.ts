import { gzipSync } from 'node:zlib';
import { Agent, request } from 'undici';
import { TERMINAL } from './record';
import type { LipsyncRecord } from './record';
import type { SandboxSettings } from './settings';
import { Timers } from './timers';
import { deliveryBody, encodeDelivery, inEnvelope, stampSentAt } from './webhook-payload';
import type { DeliveryFacts } from './webhook-payload';

// Webhook deliveries as creatify-api.md §7 describes them (POST of
// {id, status, failed_reason, output}, unsigned, on terminal transitions), plus the
// misbehaviours a receiver must survive: drops, delays, duplicates, reordering,
// a stale preview `done`, non-terminal posts, other payload shapes (webhook-payload.ts)
// and an end announced before GET shows it (earlyTerminalMs, in lifecycle.ts).

export type DeliveryKind = 'normal' | 'duplicate' | 'stale-preview' | 'non-terminal' | 'preview';

export interface WebhookAttempt {
  lipsyncId: string;
  /** As sent (after runningStatusAs and statusAliases). */
  status: string;
  failed_reason: string | null;
  /** The video URL sent, whichever field carried it (`output` or `video_output`). */
  output: string | null;
  /** The exact JSON object (or list, with envelope 'list') posted, or that would have been, when dropped. */
  body: Record<string, unknown> | unknown[];
  url: string;
  kind: DeliveryKind;
  /** Epoch ms the POST went out; null when the delivery was dropped. */
  sentAt: number | null;
  responseStatus: number | null;
  error: string | null;
  dropped: boolean;
}

interface Delivery {
  url: string;
  facts: DeliveryFacts;
  body: Record<string, unknown>;
  kind: DeliveryKind;
  dueAt: number;
  dropped: boolean;
}

export class Webhooks {
  private readonly timers = new Timers();
  private readonly agent = new Agent({ keepAliveTimeout: 1_000, connect: { timeout: 2_000 } });
  private readonly queues = new Map<string, Delivery[]>();
  private readonly reorderBuffers = new Map<string, Array<Omit<Delivery, 'dueAt' | 'dropped'>>>();
  private readonly inFlight = new Set<AbortController>();
  private log: WebhookAttempt[] = [];
  /** Bumped by reset/close so a pump still awaiting something stops quietly. */
  private generation = 0;

  constructor(private readonly settings: () => SandboxSettings) {}

  onTransition(record: LipsyncRecord): void {
    if (!record.webhook_url) return;
    const terminal = TERMINAL.has(record.status);
    if (!terminal && !this.settings().webhooks.nonTerminal) return;
    const facts: DeliveryFacts = {
      id: record.id,
      status: record.status,
      failed_reason: record.failed_reason,
      output: record.output,
      video_thumbnail: record.video_thumbnail,
      progress: record.progress,
    };
    this.emit(record, facts, terminal ? 'normal' : 'non-terminal', terminal);
  }

  /**
   * A preview that reports its own run, as link_to_videos' preview does (§7 [U] for
   * lipsyncs): `pending` when it starts, then its `done` without output.
   */
  onPreviewed(record: LipsyncRecord): void {
    if (!record.webhook_url || !this.settings().webhooks.previewDeliveries) return;
    this.emit(record, previewFacts(record, 'pending', 0), 'preview', false);
    this.emit(record, previewFacts(record, record.status, record.progress), 'preview', false);
  }

  /** The preview's own `done` (output null) turning up after the render began. */
  onRenderAccepted(record: LipsyncRecord, previewStatus: string, previewProgress: number): void {
    if (!record.webhook_url || !this.settings().webhooks.stalePreview) return;
    this.emit(record, previewFacts(record, previewStatus, previewProgress), 'stale-preview', false);
  }

  /** Deliveries queued or being sent (reorder buffers wait for a terminal status and are not counted). */
  pending(): number {
    let count = 0;
    for (const queue of this.queues.values()) count += queue.length;
    return count;
  }

  attempts(): WebhookAttempt[] {
    return this.log.map((a) => ({ ...a }));
  }

  reset(): void {
    this.generation += 1;
    this.timers.clearAll();
    for (const controller of this.inFlight) controller.abort();
    this.inFlight.clear();
    this.queues.clear();
    this.reorderBuffers.clear();
    this.log = [];
  }

  async close(): Promise<void> {
    this.reset();
    await this.agent.destroy().catch(() => undefined);
  }

  private emit(record: LipsyncRecord, facts: DeliveryFacts, kind: DeliveryKind, terminal: boolean) {
    const settings = this.settings();
    const { duplicate, duplicateChance, reorder } = settings.webhooks;
    const url = record.webhook_url!;
    const copies = [{ url, facts, kind, body: deliveryBody(facts, settings, 1) }];
    const extra = duplicate + (duplicateChance > 0 && record.rng.next() < duplicateChance ? 1 : 0);
    for (let i = 0; i < extra; i++) {
      copies.push({ url, facts, kind: 'duplicate', body: deliveryBody(facts, settings, i + 2) });
    }
    if (!reorder) {
      this.enqueue(record, copies);
      return;
    }
    const buffer = this.reorderBuffers.get(record.id) ?? [];
    buffer.push(...copies);
    this.reorderBuffers.set(record.id, buffer);
    if (terminal) {
      this.reorderBuffers.delete(record.id);
      this.enqueue(record, buffer.reverse());
    }
  }

  private enqueue(record: LipsyncRecord, copies: Array<Omit<Delivery, 'dueAt' | 'dropped'>>) {
    const { delayMs, jitterMs, drop } = this.settings().webhooks;
    const queue = this.queues.get(record.id) ?? [];
    const idle = queue.length === 0;
    for (const copy of copies) {
      // Draw in a fixed order per delivery so one seed always replays the same run.
      const dropped = drop > 0 && record.rng.next() < drop;
      const jitter = jitterMs > 0 ? record.rng.next() * jitterMs : 0;
      queue.push({ ...copy, dueAt: Date.now() + delayMs + jitter, dropped });
    }
    this.queues.set(record.id, queue);
    if (idle) void this.pump(record.id, queue, this.generation);
  }

  /** Sends one lipsync's deliveries one after another, so their order is the intended one. */
  private async pump(lipsyncId: string, queue: Delivery[], generation: number): Promise<void> {
    while (queue.length > 0 && generation === this.generation) {
      const delivery = queue[0]!;
      const wait = delivery.dueAt - Date.now();
      if (wait > 0) await this.timers.sleep(wait);
      if (generation !== this.generation) return;
      await this.send(lipsyncId, delivery);
      queue.shift();
    }
    if (generation === this.generation && queue.length === 0) this.queues.delete(lipsyncId);
  }

  private async send(lipsyncId: string, delivery: Delivery): Promise<void> {
    const payload = stampSentAt(delivery.body, Date.now());
    const body = inEnvelope(payload, this.settings().webhooks.envelope);
    const attempt: WebhookAttempt = {
      lipsyncId,
      status: String(payload.status),
      failed_reason: delivery.facts.failed_reason,
      output: delivery.facts.output,
      body,
      url: delivery.url,
      kind: delivery.kind,
      sentAt: delivery.dropped ? null : Date.now(),
      responseStatus: null,
      error: delivery.dropped ? 'dropped' : null,
      dropped: delivery.dropped,
    };
    this.log.push(attempt);
    if (delivery.dropped) return;
    const controller = new AbortController();
    this.inFlight.add(controller);
    const timeout = this.timers.after(this.settings().webhooks.timeoutMs, () => controller.abort());
    try {
      const { contentType, text } = encodeDelivery(body, this.settings().webhooks.encoding);
      const gzip = this.settings().webhooks.compression === 'gzip';
      const response = await request(delivery.url, {
        method: 'POST',
        headers: { 'content-type': contentType, 'user-agent': 'creatify-sandbox-webhook', ...(gzip ? { 'content-encoding': 'gzip' } : {}) },
        body: gzip ? gzipSync(text) : text,
        dispatcher: this.agent,
        signal: controller.signal,
      });
      await response.body.dump().catch(() => undefined);
      attempt.responseStatus = response.statusCode;
      if (response.statusCode < 200 || response.statusCode >= 300) {
        attempt.error = `HTTP ${response.statusCode}`;
      }
    } catch (err) {
      // A dead or slow receiver is the receiver's problem: record it and move on.
      attempt.error = describeError(err, controller.signal.aborted);
    } finally {
      this.timers.cancel(timeout);
      this.inFlight.delete(controller);
    }
  }
}

function describeError(err: unknown, aborted: boolean): string {
  if (aborted) return 'timeout';
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code ?? (err.cause as { code?: unknown } | undefined)?.code;
    return typeof code === 'string' ? `${code}: ${err.message}` : err.message;
  }
  return String(err);
}

/** What a preview's own delivery says: a status and progress, never a video or a failure. */
function previewFacts(record: LipsyncRecord, status: string, progress: number): DeliveryFacts {
  return { id: record.id, status, failed_reason: null, output: null, video_thumbnail: null, progress };
}
