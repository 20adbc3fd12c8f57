import { randomUUID } from 'node:crypto';
import { InvalidLipsyncIdError, InvalidListFilterError, InvalidTrackingOptionsError, RenderError, RenderNotFoundError, type TrackingOptions } from '../../src/client';
import { workflowIdFor } from '../../src/contract/lipsync-id';
import { WORKFLOW_TYPE } from '../../src/contract/messages';
import { webhookUrl } from '../../src/contract/webhook-url';
import { demoRequest, eventually, useTestStack } from '../support/stack';

const QUICK: TrackingOptions = { webhookTimeout: '30 seconds', pollInitialInterval: '200 ms', pollMaxInterval: '1 second' };

describe('the client library', () => {
  const stack = useTestStack();

  test('preview fills in our webhook URL, so Creatify will call us', async () => {
    const lipsync = await stack.orchestrator.preview(demoRequest('client preview', 'https://ignored.example/hook'));
    expect(stack.orchestrator.webhookUrl()).toBe(webhookUrl(stack.webhookConfig));
    expect((await stack.sandbox.control.lipsync(lipsync.id)).webhook_url).toBe(webhookUrl(stack.webhookConfig));
  });

  test('start is idempotent; status while running; result when done; status after', async () => {
    const id = await stack.preview();
    await stack.sandbox.control.setLipsync(id, { hold: true });
    const first = await stack.orchestrator.startRender(id, QUICK);
    const second = await stack.orchestrator.startRender(id.toUpperCase(), QUICK);
    expect(second.workflowId).toBe(first.workflowId);
    expect((await second.describe()).runId).toBe((await first.describe()).runId);

    const running = await eventually(async () => {
      const s = await stack.orchestrator.getStatus(id);
      return s.state?.renderAcceptedAt ? s : undefined;
    }, 10_000, 'render accepted');
    expect(running).toMatchObject({ lipsyncId: id, execution: 'RUNNING', workflowId: `lipsync-render-${id}` });
    expect(running.state?.phase).toBe('waiting-for-webhook');

    await stack.sandbox.control.setLipsync(id, { hold: false });
    const result = await stack.orchestrator.waitForResult(id);
    expect(result).toMatchObject({ lipsyncId: id, detectedBy: 'webhook' });
    expect(result.output).toContain(id);
    const after = await stack.orchestrator.getStatus(id);
    expect(after).toMatchObject({ execution: 'COMPLETED', status: 'done' });
    expect((await stack.sandbox.control.stats()).callsByLipsync[id]?.render).toBe(1);
  });

  test('cancel stops a running render and says so when it had already ended', async () => {
    const id = await stack.preview();
    await stack.sandbox.control.setLipsync(id, { hold: true });
    await stack.orchestrator.startRender(id, QUICK);
    expect(await stack.orchestrator.cancel(id)).toEqual({ cancelled: true, execution: 'RUNNING' });
    await expect(stack.orchestrator.waitForResult(id)).rejects.toMatchObject({ reason: 'cancelled' });
    expect(await stack.orchestrator.cancel(id)).toEqual({ cancelled: false, execution: 'CANCELLED' });
  });

  test('list filters by LipsyncStatus through visibility', async () => {
    const done = await stack.preview();
    await (await stack.orchestrator.startRender(done, QUICK)).result();
    const failed = await stack.preview();
    await stack.sandbox.control.setLipsync(failed, { outcome: 'failed', failedReason: 'list test' });
    await stack.orchestrator.startRender(failed, QUICK);
    await expect(stack.orchestrator.waitForResult(failed)).rejects.toBeInstanceOf(RenderError);

    const doneList = await eventually(async () => {
      const list = await stack.orchestrator.list({ status: 'done' });
      return list.some((r) => r.lipsyncId === done) ? list : undefined;
    }, 15_000, 'visibility to show the done render');
    expect(doneList.find((r) => r.lipsyncId === done)).toMatchObject({ status: 'done', execution: 'COMPLETED' });
    expect(doneList.some((r) => r.lipsyncId === failed)).toBe(false);
    const failedList = await eventually(async () => {
      const list = await stack.orchestrator.list({ status: 'failed' });
      return list.some((r) => r.lipsyncId === failed) ? list : undefined;
    }, 15_000, 'visibility to show the failed render');
    expect(failedList.some((r) => r.lipsyncId === done)).toBe(false);
    await expect(stack.orchestrator.list({ status: 'bogus' })).rejects.toBeInstanceOf(InvalidListFilterError);
    await expect(stack.orchestrator.list({ status: 'bogus' })).rejects.toThrow(/status "bogus" is none of awaiting_approval, /);
    for (const limit of [0, -1, 1.5]) await expect(stack.orchestrator.list({ limit })).rejects.toBeInstanceOf(InvalidListFilterError);
  });

  test('a run terminated from outside says terminated, not the stage it stopped at; a filter on the stage leaves it out', async () => {
    const id = await stack.preview('terminated from outside');
    await stack.sandbox.control.setLipsync(id, { hold: true });
    const handle = await stack.orchestrator.startRender(id, { webhookTimeout: '100 ms', pollInitialInterval: '200 ms', pollMaxInterval: '500 ms' });
    const open = await eventually(async () => {
      const { status } = await stack.orchestrator.getStatus(id);
      return status === 'pending' || status === 'in_queue' || status === 'running' ? status : undefined;
    }, 15_000, 'the render accepted');
    await handle.terminate('operator stopped it');
    expect(await stack.orchestrator.getStatus(id)).toMatchObject({ execution: 'TERMINATED', status: 'terminated' });
    // Visibility trails: once it shows the run closed, the row says terminated and a running filter leaves it out.
    const row = await eventually(async () => (await stack.orchestrator.list({ limit: 1000 })).find((r) => r.lipsyncId === id && r.execution === 'TERMINATED'), 15_000, 'visibility');
    expect(row.status).toBe('terminated');
    expect((await stack.orchestrator.list({ status: open, limit: 1000 })).some((r) => r.lipsyncId === id)).toBe(false);
    expect((await stack.orchestrator.list({ status: 'terminated', limit: 1000 })).map((r) => r.lipsyncId)).toContain(id);
  });

  test('typed errors for ids that are malformed or not tracked', async () => {
    await expect(stack.orchestrator.startRender('not-a-uuid')).rejects.toBeInstanceOf(InvalidLipsyncIdError);
    // A JavaScript caller's missing field: still the typed error, not a TypeError from building it.
    await expect(stack.orchestrator.startRender(undefined as unknown as string)).rejects.toBeInstanceOf(InvalidLipsyncIdError);
    await expect(stack.orchestrator.getStatus(null as unknown as string)).rejects.toBeInstanceOf(InvalidLipsyncIdError);
    await expect(stack.orchestrator.getStatus(randomUUID())).rejects.toBeInstanceOf(RenderNotFoundError);
    await expect(stack.orchestrator.waitForResult(randomUUID())).rejects.toBeInstanceOf(RenderNotFoundError);
    await expect(stack.orchestrator.cancel(randomUUID())).rejects.toBeInstanceOf(RenderNotFoundError);
  });

  test('options that cannot work are refused before anything starts', async () => {
    const id = await stack.preview();
    for (const options of [{ pollMaxInterval: '10 seconds' }, { deadline: '0s' }, { webhookTimeout: 'soon' }, { pollInitialInterval: -5 }]) {
      await expect(stack.orchestrator.startRender(id, options as TrackingOptions)).rejects.toBeInstanceOf(InvalidTrackingOptionsError);
    }
    await expect(stack.orchestrator.getStatus(id)).rejects.toBeInstanceOf(RenderNotFoundError);
    expect((await stack.sandbox.control.stats()).callsByLipsync[id]?.render ?? 0).toBe(0);
  });

  test('a workflow started elsewhere with a poll cap below its start still polls to the end', async () => {
    await stack.sandbox.control.settings({ webhooks: { drop: 1 } });
    try {
      const id = await stack.preview();
      const handle = await stack.client.workflow.start(WORKFLOW_TYPE, {
        workflowId: workflowIdFor(id),
        taskQueue: stack.taskQueue,
        args: [{ lipsyncId: id, options: { webhookTimeout: '100 ms', pollInitialInterval: '300 ms', pollMaxInterval: '100 ms' } }],
      });
      const result = (await handle.result()) as { detectedBy: string };
      expect(result.detectedBy).toBe('poll');
    } finally {
      await stack.sandbox.control.settings({ webhooks: { drop: 0 } });
    }
  });
});
