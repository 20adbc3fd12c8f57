import { statusQuery } from '../../src/contract/messages';
import { type TrackingOptions } from '../../src/contract/tracking-options';
import { webhookUrl } from '../../src/contract/webhook-url';
import { CONFIRM_BURST_GETS } from '../../src/workflows/tracker';
import { eventually, untilRenderAccepted, useTestStack } from '../support/stack';

const FAST: TrackingOptions = { webhookTimeout: '30 seconds', pollInitialInterval: '200 ms', pollMaxInterval: '1 second', deadline: '1 minute' };

describe('tracking a render through the webhook', () => {
  const stack = useTestStack();
  beforeEach(async () => {
    await stack.sandbox.control.reset();
  });

  test('completes within 1 s of the terminal webhook; one snapshot GET, one render POST, one confirming GET, charged once', async () => {
    const id = await stack.preview();
    const before = await stack.sandbox.control.stats();
    const handle = await stack.orchestrator.startRender(id, FAST);
    const result = await handle.result();

    expect(result.detectedBy).toBe('webhook');
    expect(result.output).toMatch(new RegExp(`^https://.*${id}.*\\.mp4$`));
    expect(result.polls).toBe(0);
    expect(result.confirmations).toBe(1);

    const stats = await stack.sandbox.control.stats();
    expect(stats.callsByLipsync[id]?.render).toBe(1);
    expect(stats.callsByLipsync[id]?.get ?? 0).toBe(2); // the record before the POST, then the confirmation
    expect(stats.renders[id]).toBe(1);
    const renderCharges = stats.credits.ledger.filter((entry) => entry.lipsyncId === id && entry.action === 'render');
    expect(renderCharges).toHaveLength(1);
    expect(stats.credits.remaining).toBe(before.credits.remaining - renderCharges[0]!.credits);

    const doneDelivery = stats.webhooks.find((w) => w.lipsyncId === id && w.status === 'done' && w.sentAt !== null);
    expect(doneDelivery).toBeDefined();
    const closeTime = (await handle.describe()).closeTime!.getTime();
    expect(closeTime - doneDelivery!.sentAt!).toBeLessThan(1_000);
    expect(closeTime).toBeGreaterThanOrEqual(doneDelivery!.sentAt! - 50);

    // Confirmed in the workflow task that took the signal: after the `done` signal, one
    // task completes (its local-activity marker inside it), then the workflow does.
    const kinds = (await handle.fetchHistory()).events!.map(eventKind);
    const afterSignal = kinds.slice(kinds.lastIndexOf('workflowExecutionSignaled') + 1);
    expect(afterSignal.filter((k) => k === 'workflowTaskCompleted')).toHaveLength(1);
    expect(afterSignal).not.toContain('activityTaskScheduled');
    expect(afterSignal).toContain('markerRecorded');
    expect(afterSignal[afterSignal.length - 1]).toBe('workflowExecutionCompleted');
  });

  test('a render started by this code writes one patch marker and upserts its search attributes only when they change: after the POST and at the end', async () => {
    const id = await stack.preview();
    const handle = await stack.orchestrator.startRender(id, FAST);
    await handle.result();
    const events = (await handle.fetchHistory()).events!;
    const markers = events.map((e) => e.markerRecordedEventAttributes?.markerName).filter(Boolean);
    // `lapsing-timers` (instead of one per behaviour), the snapshot with the credits check, the confirmation.
    expect(markers).toEqual(['core_patch', 'core_local_activity', 'core_local_activity']);
    const upserts = events
      .filter((e) => e.upsertWorkflowSearchAttributesEventAttributes)
      .map((e) => Object.keys(e.upsertWorkflowSearchAttributesEventAttributes!.searchAttributes!.indexedFields!).sort());
    // (LipsyncPollFrom joins the first when the fleet reconciler runs; this stack runs none.)
    expect(upserts).toEqual([
      ['TemporalChangeVersion'],
      ['LipsyncCreditsEstimate', 'LipsyncStatus'],
      ['LipsyncCreditsEstimate', 'LipsyncCreditsUsed', 'LipsyncDetectedBy', 'LipsyncStatus'],
    ]);
    const { LIPSYNC_STATUS } = await import('../../src/contract/messages');
    const { LIPSYNC_CREDITS_ESTIMATE } = await import('../../src/contract/approval-credits');
    const attributes = (await handle.describe()).typedSearchAttributes;
    expect(attributes.get(LIPSYNC_STATUS)).toBe('done');
    expect(attributes.get(LIPSYNC_CREDITS_ESTIMATE)).toBeGreaterThan(0);
  });

  test('its deadline and webhook window are two timers, started once and left to lapse: non-terminal deliveries restart nothing, the end cancels nothing', async () => {
    await stack.sandbox.control.reset({ webhooks: { nonTerminal: true } });
    const id = await stack.preview();
    const handle = await stack.orchestrator.startRender(id, FAST);
    const result = await handle.result();
    expect(result.detectedBy).toBe('webhook');
    const kinds = (await handle.fetchHistory()).events!.map(eventKind);
    expect(kinds.filter((k) => k === 'workflowExecutionSignaled').length).toBeGreaterThanOrEqual(4);
    expect(kinds.filter((k) => k === 'timerStarted')).toHaveLength(2);
    expect(kinds).not.toContain('timerCanceled');
    // The last task: the confirmation's marker, the ledger's upsert, the close; nothing else.
    const lastTask = kinds.slice(kinds.lastIndexOf('workflowTaskCompleted') + 1);
    expect(lastTask).toEqual(['markerRecorded', 'upsertWorkflowSearchAttributes', 'workflowExecutionCompleted']);
  });

  test('the status query and LipsyncStatus follow the render', async () => {
    const id = await stack.preview();
    await stack.sandbox.control.setLipsync(id, { hold: true });
    const handle = await stack.orchestrator.startRender(id, FAST);
    const state = await eventually(async () => {
      const s = await handle.query('status' as never).catch(() => undefined) as { status: string } | undefined;
      return s && s.status === 'pending' ? s : undefined;
    }, 10_000, 'status pending');
    expect(state.status).toBe('pending');
    await stack.sandbox.control.setLipsync(id, { hold: false });
    await handle.result();
    const description = await handle.describe();
    const { LIPSYNC_STATUS } = await import('../../src/contract/messages');
    expect(description.typedSearchAttributes.get(LIPSYNC_STATUS)).toBe('done');
  });

  const renderWith = async (webhooks: Record<string, unknown>) => {
    await stack.sandbox.control.reset({ webhooks });
    const id = await stack.preview();
    const handle = await stack.orchestrator.startRender(id, FAST);
    const result = await handle.result();
    const state = await handle.query(statusQuery);
    const stats = await stack.sandbox.control.stats();
    return { id, result, state, stats };
  };

  test('duplicate deliveries: one render, one confirmation, the rest ignored', async () => {
    const { id, result, stats } = await renderWith({ duplicate: 2 });
    expect(result.detectedBy).toBe('webhook');
    expect(stats.webhooks.filter((w) => w.lipsyncId === id && w.kind === 'duplicate').length).toBeGreaterThanOrEqual(2);
    expect(stats.callsByLipsync[id]?.render).toBe(1);
    expect(result.confirmations).toBe(1);
    // Snapshot + one confirmation; a copy landing while the workflow completes makes the
    // server refuse that task (UnhandledCommand) and the local confirmation runs once more.
    expect(stats.callsByLipsync[id]?.get).toBeGreaterThanOrEqual(2);
    expect(stats.callsByLipsync[id]?.get).toBeLessThanOrEqual(3);
  });

  test('non-terminal deliveries move the status forward only, then the terminal one completes', async () => {
    const { id, result, state, stats } = await renderWith({ nonTerminal: true });
    const statuses = stats.webhooks.filter((w) => w.lipsyncId === id).map((w) => w.status);
    expect(statuses).toEqual(expect.arrayContaining(['pending', 'in_queue', 'running', 'done']));
    expect(result.detectedBy).toBe('webhook');
    expect(state.status).toBe('done');
    expect(state.webhooksReceived).toBeGreaterThanOrEqual(4);
    expect(stats.callsByLipsync[id]?.get).toBe(2); // snapshot + confirmation: non-terminal hints cost no GET
  });

  test('reordered deliveries (newest first): done wins, the late ones change nothing', async () => {
    const { id, result, state, stats } = await renderWith({ nonTerminal: true, reorder: true });
    const sent = stats.webhooks.filter((w) => w.lipsyncId === id).map((w) => w.status);
    expect(sent[0]).toBe('done');
    expect(result.output).toContain(id);
    expect(state.status).toBe('done');
    expect(stats.renders[id]).toBe(1);
  });

  test('a stale preview delivery (done, no output), however often sent, costs one GET and ends nothing', async () => {
    await stack.sandbox.control.reset({ webhooks: { stalePreview: true, duplicate: 3 } });
    const id = await stack.preview();
    await stack.sandbox.control.setLipsync(id, { hold: true });
    const handle = await stack.orchestrator.startRender(id, FAST);
    const staleSeen = await eventually(async () => {
      const state = await handle.query(statusQuery);
      return state.claims.contradicted >= 1 && state.webhooksReceived >= 4 && state.phase !== 'confirming' ? state : undefined;
    }, 10_000, 'the stale deliveries');
    expect(staleSeen.status).not.toBe('done');
    expect(staleSeen).toMatchObject({ confirmations: 1, claims: { confirmed: 0, contradicted: 1, ignored: 3 } });
    expect((await handle.describe()).status.name).toBe('RUNNING');
    expect((await stack.sandbox.control.stats()).callsByLipsync[id]?.get).toBe(2); // snapshot + one for the stale claim
    await stack.sandbox.control.setLipsync(id, { hold: false });
    const result = await handle.result();
    expect(result.output).toContain(id);
    const stats = await stack.sandbox.control.stats();
    expect(stats.webhooks.filter((w) => w.lipsyncId === id && w.kind === 'stale-preview')).toHaveLength(1);
    expect(stats.renders[id]).toBe(1);
  });

  test('a forged terminal claim is re-checked, never trusted: the real end closes the job with the real URL', async () => {
    const id = await stack.preview();
    const handle = await stack.startHeldRender(id, FAST);
    await eventually(async () => (await stack.sandbox.control.stats()).renders[id] === 1, 10_000, 'render');
    await untilRenderAccepted(handle);
    await stack.sandbox.control.setLipsync(id, { status: 'running', hold: true });
    const forged = await fetch(webhookUrl(stack.webhookConfig), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id, status: 'done', failed_reason: null, output: 'https://evil.example/forged.mp4' }),
    });
    expect(forged.status).toBe(200);
    // The re-checks come about a second apart: three GETs (after the snapshot) within ~3 s, the job still open.
    await eventually(async () => ((await stack.sandbox.control.stats()).callsByLipsync[id]?.get ?? 0) >= 4, 10_000, 'three confirmation GETs');
    const state = await handle.query(statusQuery);
    expect(state.status).not.toBe('done');
    expect(state.output).toBeNull();
    expect(state.phase).toBe('confirming');
    expect((await handle.describe()).status.name).toBe('RUNNING');

    await stack.sandbox.control.setLipsync(id, { status: 'done' });
    const result = await handle.result();
    expect(result.output).not.toContain('evil');
    expect(result.output).toContain(id);
    expect(result.confirmations).toBeLessThanOrEqual(CONFIRM_BURST_GETS);
    const final = await handle.query(statusQuery);
    expect(final.claims).toMatchObject({ confirmed: 1, contradicted: 0 });
  });

  test('a forged claim the API never confirms costs at most CONFIRM_BURST_GETS GETs, then polling takes over', async () => {
    const id = await stack.preview();
    const handle = await stack.startHeldRender(id, { ...FAST, pollInitialInterval: '20 seconds', pollMaxInterval: '20 seconds' });
    await eventually(async () => (await stack.sandbox.control.stats()).renders[id] === 1, 10_000, 'render');
    await untilRenderAccepted(handle);
    await stack.sandbox.control.setLipsync(id, { status: 'running', hold: true });
    await fetch(webhookUrl(stack.webhookConfig), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id, status: 'failed', failed_reason: 'forged' }),
    });
    const state = await eventually(async () => {
      const s = await handle.query(statusQuery);
      return s.claims.contradicted === 1 ? s : undefined;
    }, 40_000, 'the re-checks to run out');
    expect(state).toMatchObject({ status: 'running', phase: 'polling', confirmations: CONFIRM_BURST_GETS });
    expect(state.lastEvent).toMatch(/not trusted/);
    const gets = (await stack.sandbox.control.stats()).callsByLipsync[id]?.get ?? 0;
    expect(gets).toBeLessThanOrEqual(1 + CONFIRM_BURST_GETS + 1); // snapshot + re-checks + the first poll
    await stack.sandbox.control.setLipsync(id, { status: 'done' });
    await stack.orchestrator.cancel(id);
  }, 60_000);

  test('with confirmWebhook: false the payload is trusted and no GET is made', async () => {
    const id = await stack.preview();
    const handle = await stack.orchestrator.startRender(id, { ...FAST, confirmWebhook: false });
    const result = await handle.result();
    expect(result.detectedBy).toBe('webhook');
    expect(result.confirmations).toBe(0);
    expect((await stack.sandbox.control.stats()).callsByLipsync[id]?.get ?? 0).toBe(1); // only the snapshot before the POST
  });
});

/** An event's type, read from which attributes it carries (`workflowTaskCompleted`, …). */
function eventKind(event: object): string {
  const key = Object.keys(event).find((k) => k.endsWith('EventAttributes') && (event as Record<string, unknown>)[k] != null);
  return key ? key.replace(/EventAttributes$/, '') : 'unknown';
}
