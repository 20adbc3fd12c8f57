/**
 * A render Creatify refuses ends as a typed failure with nothing paid, however the refusal
 * is worded; a cap on jobs at a time makes renders wait their turn, each rendered once.
 */
import { RenderError } from '../../src/client';
import { useTestStack } from '../support/stack';
import { CLIENT_TIMEOUT_MS, FAST } from '../support/exactly-once';

describe('a render Creatify refuses', () => {
  const stack = useTestStack({}, { creatifyTimeoutMs: CLIENT_TIMEOUT_MS });

  // The docs give neither status nor body for it ([U]): 400 as §15 assumes, 402, 403, 409,
  // 422 or even a 200; DRF's `detail`, or an `error` / `message` field worded another way.
  test.each([
    [400, 'detail', /Insufficient credits/],
    [402, 'detail', /Insufficient credits/],
    [403, 'detail', /Insufficient credits/],
    [400, 'message', /enough credits/],
    [403, 'error', /Insufficient balance/],
    [409, 'detail', /Insufficient credits/],
    [422, 'lower-than', /lower than what this job requires/],
    // Refused in a 200's body: the render is not taken for accepted (and awaited until the deadline).
    [200, 'error', /Insufficient balance/],
    [200, 'success-false', /Not enough credits/],
    // DRF's other shapes of a refusal: a ValidationError raised in a view, a serializer's non-field error.
    [400, 'array', /Insufficient credits/],
    [400, 'non-field', /Insufficient credits for this render/],
  ] as const)('"Insufficient credits" (%i, in `%s`) ends the job at once as a typed failure, nothing paid', async (insufficientCreditsStatus, insufficientCreditsBody, wording) => {
    // Preview costs 1 credit for this short text, render 4: 3 credits pay only the preview.
    // No balance to read (404), so the check before the POST lets it through and Creatify refuses.
    await stack.sandbox.control.reset({ initialCredits: 3, insufficientCreditsStatus, insufficientCreditsBody, remainingCredits: 'absent' });
    const id = await stack.preview('refused render');
    const started = Date.now();
    await stack.orchestrator.startRender(id, FAST);
    const error = await stack.orchestrator.waitForResult(id).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(RenderError);
    expect(error).toMatchObject({ reason: 'insufficient-credits' });
    expect((await stack.orchestrator.getStatus(id)).status).toBe('insufficient_credits');
    expect((error as Error).message).toMatch(wording);
    expect(Date.now() - started).toBeLessThan(10_000);
    const stats = await stack.sandbox.control.stats();
    expect(stats.renders[id]).toBeUndefined();
    expect(stats.callsByLipsync[id]?.render).toBe(1);
  });

  // Concurrency limits are [U] (§9): a 429, or a 400 / 403 that says "try again later".
  test.each([
    [429, 'too-many'],
    [400, 'too-many'],
    [403, 'too-many'],
    [400, 'maximum'],
    [403, 'maximum'],
  ] as const)('a cap of one job at a time (%i, worded %s) makes renders wait their turn: each renders once, none ends refused', async (status, wording) => {
    await stack.sandbox.control.reset({ concurrentJobs: { max: 1, status, wording } });
    const ids = [await stack.preview('capped 1'), await stack.preview('capped 2'), await stack.preview('capped 3')];
    for (const id of ids) await stack.orchestrator.startRender(id, FAST);
    const results = await Promise.all(ids.map((id) => stack.orchestrator.waitForResult(id)));
    results.forEach((result, i) => expect(result.output).toContain(ids[i]));
    const stats = await stack.sandbox.control.stats();
    for (const id of ids) expect(stats.renders[id]).toBe(1);
    // The cap did bite: some render was refused before it went through.
    expect(Math.max(...ids.map((id) => stats.callsByLipsync[id]?.render ?? 0))).toBeGreaterThan(1);
  }, 90_000);
});
