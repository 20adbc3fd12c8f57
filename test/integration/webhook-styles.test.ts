/**
 * Whatever shape Creatify's webhook takes (documented, sibling `video_output`, other
 * status names, progress as string or number, upper-case ids, extra fields) and however
 * early the terminal delivery comes, a render ends by its webhook within seconds — with
 * the default tracking options, so a poll (10 minutes away) cannot be what ends it.
 */
import type { SandboxSettingsPatch } from '../../src/sandbox';
import { RenderError } from '../../src/client';
import { statusQuery } from '../../src/contract/messages';
import { webhookUrl } from '../../src/contract/webhook-url';
import { eventually, untilRenderAccepted, useTestStack } from '../support/stack';

const STYLES: Array<[string, SandboxSettingsPatch]> = [
  ['documented', {}],
  ['sibling (video_output)', { webhooks: { style: 'sibling' } }],
  ['done named "completed"', { webhooks: { statusAliases: { done: 'completed' } } }],
  ['done named "success", sibling', { webhooks: { style: 'sibling', statusAliases: { done: 'success' } } }],
  ['minimal: {id, status} only, the URL only through GET', { webhooks: { style: 'minimal' } }],
  ['upper-case ids and extra fields', { webhooks: { idCase: 'upper', extraFields: true } }],
  ['progress as decimal strings, every transition, "processing" for running', {
    runningStatusAs: 'processing', progressAs: 'number', webhooks: { nonTerminal: true, progress: 'string' },
  }],
  ['progress as numbers, every transition, duplicated and reordered', { webhooks: { nonTerminal: true, progress: 'number', duplicate: 1, reorder: true } }],
  // §3.6 [U]: progress on a 0–100 scale, on the API and in the deliveries.
  ['progress from 0 to 100, every transition', { progressAs: 'percent', webhooks: { nonTerminal: true, progress: 'percent' } }],
  ['a stale preview delivery first', { webhooks: { stalePreview: true } }],
  // §5: status is a free string; the API itself may name its end with a word the docs do not use.
  ['the API and its webhooks name done "completed"', { endStatusAs: { done: 'completed' } }],
  // §13.9 shows a Python dict: posted with requests' `data=`, it arrives as form fields.
  ['form-encoded (Python requests\' data=)', { webhooks: { encoding: 'form' } }],
  ['form-encoded, sibling, every transition with progress', { webhooks: { encoding: 'form', style: 'sibling', nonTerminal: true, progress: 'string' } }],
  // ... or literally as the docs print it: `data=str(payload)`, or `json=str(payload)`.
  ['the dict as Python prints it (single quotes, None), as text', { webhooks: { encoding: 'python' } }],
  ['the dict as Python prints it, inside a JSON string, every transition', { webhooks: { encoding: 'json-string', nonTerminal: true, progress: 'number' } }],
  // Only one example documents the payload: a sender may wrap it as many webhook senders do.
  ['wrapped in an event envelope ({"event": …, "data": {…}}), sibling, every transition', { webhooks: { envelope: 'data', style: 'sibling', nonTerminal: true, progress: 'number' } }],
  ['form fields with the record as JSON in `data` (event=…&data={…})', { webhooks: { envelope: 'data', encoding: 'form', nonTerminal: true, progress: 'number' } }],
  ['the URL as `output_url`, inside {"status": "success", "data": {…}}', { webhooks: { style: 'output-url', envelope: 'status' } }],
  ['statuses in upper case in the API and its webhooks (DONE, RUNNING), every transition', { statusCase: 'upper', webhooks: { nonTerminal: true, progress: 'number' } }],
  ['a Django model dict as Python prints it (UUID(…), Decimal(…) progress, a datetime), every transition', { webhooks: { encoding: 'django', nonTerminal: true, progress: 'string' } }],
  // What an event bus or a proxy adds: an event's own id and status around the record, a list of one, a gzipped body.
  ['inside an event with its own id and status ({"id": "evt_…", "status": "delivered", "data": {…}}), gzipped, every transition', { webhooks: { envelope: 'event', compression: 'gzip', nonTerminal: true, progress: 'number' } }],
  ['as a list of one delivery, as Python prints it', { webhooks: { envelope: 'list', encoding: 'python' } }],
];

describe('a render ends by its webhook in every payload style', () => {
  const stack = useTestStack();

  test.each(STYLES)('%s', async (_style, settings) => {
    await stack.sandbox.control.reset(settings);
    const id = await stack.preview();
    const handle = await stack.orchestrator.startRender(id);
    const result = await handle.result();
    const stats = await stack.sandbox.control.stats();
    expect(result.detectedBy).toBe('webhook');
    expect(result.output).toBe((await stack.sandbox.control.lipsync(id)).output);
    const closedAt = (await handle.describe()).closeTime!.getTime();
    expect(closedAt - stats.endedAt[id]!).toBeLessThan(2_000);
    expect(stats.renders[id]).toBe(1);
    // A stale `done` costs at most one GET; the real end at most the re-checks' budget.
    // (+1: a copy landing as the job completes makes the server retry that task, local GET included.)
    const state = await handle.query(statusQuery);
    expect(state.claims.confirmed).toBe(1);
    expect(stats.callsByLipsync[id]?.get).toBeLessThanOrEqual(2 + state.confirmations);
  });

  test.each([
    ['failed', { failedReason: 'avatar could not be rendered' }, {}],
    ['failed, delivered as "error" in the sibling style', { failedReason: 'moderation' }, { webhooks: { style: 'sibling', statusAliases: { failed: 'error' } } }],
    ['rejected', {}, { webhooks: { statusAliases: { rejected: 'cancelled' } } }],
    ['failed, named "error" by the API and its webhooks', { failedReason: 'avatar could not be rendered' }, { endStatusAs: { failed: 'error' } }],
    ['rejected, named "cancelled" by the API and its webhooks (no reason on it)', {}, { endStatusAs: { rejected: 'cancelled' } }],
    ['rejected, named "cancelled", with a reason on it', { failedReason: 'Content policy.' }, { endStatusAs: { rejected: 'cancelled' } }],
  ] as const)('%s ends as its typed failure by the webhook', async (outcome, patch, settings) => {
    await stack.sandbox.control.reset(settings as SandboxSettingsPatch);
    const id = await stack.preview();
    const expected = outcome.startsWith('failed') ? 'failed' : 'rejected';
    await stack.sandbox.control.setLipsync(id, { outcome: expected, ...patch });
    const handle = await stack.orchestrator.startRender(id);
    const error = await stack.orchestrator.waitForResult(id).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(RenderError);
    expect(error).toMatchObject({ reason: expected });
    const stats = await stack.sandbox.control.stats();
    expect((await handle.describe()).closeTime!.getTime() - stats.endedAt[id]!).toBeLessThan(2_000);
  });
});

describe('a running stage named "processing" (a status the docs do not name), delivered by webhook', () => {
  const stack = useTestStack();

  test('costs one GET: the API shows it too, so it is a stage, not an end; its later deliveries show progress', async () => {
    await stack.sandbox.control.reset({ runningStatusAs: 'processing', webhooks: { nonTerminal: true } });
    const id = await stack.preview();
    const handle = await stack.startHeldRender(id);
    await eventually(async () => (await stack.sandbox.control.stats()).renders[id] === 1, 10_000, 'render');
    // No other delivery comes while it is held: this one must find the render accepted.
    await untilRenderAccepted(handle);
    await stack.sandbox.control.setLipsync(id, { status: 'running', progress: 0.3, hold: true });
    const learned = await eventually(async () => {
      const state = await handle.query(statusQuery);
      return state.progress === 0.3 && (state.claims.contradicted > 0 || (state.observations ?? 0) > 0) ? state : undefined;
    }, 10_000, 'the stage seen');
    // Held well past the re-checks a claim of an end would get (1 s, 2 s, 4 s …).
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    const held = await handle.query(statusQuery);
    expect(held.phase).toBe('waiting-for-webhook');
    expect(held.confirmations).toBe(learned.confirmations);
    expect((await stack.sandbox.control.stats()).callsByLipsync[id]?.get).toBeLessThanOrEqual(2);
    await stack.sandbox.control.setLipsync(id, { hold: false });
    const result = await handle.result();
    expect(result.detectedBy).toBe('webhook');
    // The snapshot, at most one for the stage, one for the end.
    expect((await stack.sandbox.control.stats()).callsByLipsync[id]?.get).toBeLessThanOrEqual(3);
  });
});

describe('progress on a 0–100 scale (creatify-api.md §3.6 [U]), delivered by webhook', () => {
  const stack = useTestStack();

  test('a delivery of 1 (1 %) does not show a finished bar; the next reading, 5, shows 5 %; the end shows 100 %', async () => {
    await stack.sandbox.control.reset({ progressAs: 'percent', webhooks: { nonTerminal: true, progress: 'percent' } });
    const id = await stack.preview();
    const handle = await stack.startHeldRender(id);
    await eventually(async () => (await stack.sandbox.control.stats()).renders[id] === 1, 10_000, 'render');
    await untilRenderAccepted(handle);
    await stack.sandbox.control.setLipsync(id, { status: 'running', hold: true });
    // The sandbox's `running` delivery starts progress at 0; the readings after it come as Creatify's would.
    const deliver = async (progress: number) => {
      const res = await fetch(webhookUrl(stack.webhookConfig), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ id, status: 'running', failed_reason: null, output: null, progress }),
      });
      expect(res.status).toBe(200);
    };
    const sandboxRunning = async () => (await stack.sandbox.control.stats()).webhooks.some((w) => w.lipsyncId === id && w.status === 'running' && w.responseStatus === 200);
    await eventually(sandboxRunning, 10_000, "the sandbox's running delivery");
    const received = await untilRenderAccepted(handle).then((state) => state.webhooksReceived);
    await deliver(1);
    const atOne = await eventually(async () => {
      const state = await handle.query(statusQuery);
      return state.status === 'running' && state.webhooksReceived > received ? state : undefined;
    }, 10_000, 'the delivery of 1');
    expect(atOne.progress).toBe(0);
    await deliver(5);
    await eventually(async () => (await handle.query(statusQuery)).progress === 0.05, 10_000, 'progress 5 %');
    await stack.sandbox.control.setLipsync(id, { hold: false });
    expect((await handle.result()).output).toContain(id);
    expect((await handle.query(statusQuery)).progress).toBe(1);
  });
});

describe('a terminal webhook sent before the API shows the end', () => {
  const stack = useTestStack();

  test.each([300, 2_500, 7_000])('%i ms early: closed within 5 s of the API showing the end (default options)', async (earlyMs) => {
    await stack.sandbox.control.reset({ webhooks: { earlyTerminalMs: earlyMs } });
    const id = await stack.preview();
    const handle = await stack.orchestrator.startRender(id);
    const result = await handle.result();
    const stats = await stack.sandbox.control.stats();
    const webhookAt = stats.webhooks.find((w) => w.lipsyncId === id && w.status === 'done')!.sentAt!;
    const endedAt = stats.endedAt[id]!;
    // The sandbox's send may queue a moment after the end is decided: half the lead proves it came early.
    expect(endedAt - webhookAt).toBeGreaterThanOrEqual(earlyMs / 2);
    const closedAt = (await handle.describe()).closeTime!.getTime();
    expect(closedAt).toBeGreaterThanOrEqual(endedAt);
    expect(closedAt - endedAt).toBeLessThanOrEqual(5_000);
    expect(result.detectedBy).toBe('webhook');
    expect(stats.renders[id]).toBe(1);
  }, 30_000);
});
