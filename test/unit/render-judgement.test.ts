import { judgeRenderStarted, previewNotReady, renderShownBeforePost, renderShownOnRecord, unsettled, type RenderFields } from '../../src/creatify/render-judgement';

// The previewed record in each shape the docs leave open (§4.2, §13.11): done or
// pending, with or without a media_job, progress 0 or 1.
const previews: Array<[string, RenderFields]> = [
  ['done, no media_job', { status: 'done', output: null, failedReason: null, mediaJob: null, creditsUsed: 1, progress: 1, updatedAt: 't0' }],
  ['pending, media_job set', { status: 'pending', output: null, failedReason: null, mediaJob: 'job-preview', creditsUsed: 1, progress: 0, updatedAt: 't0' }],
  ['done, media_job set, no credits shown', { status: 'done', output: null, failedReason: null, mediaJob: 'job-preview', creditsUsed: null, progress: 0, updatedAt: 't0' }],
];

describe.each(previews)('judging a render against a snapshot (preview %s)', (_shape, before) => {
  test('an unchanged record means no render started', () => {
    expect(judgeRenderStarted(before, { ...before })).toEqual({ started: false, evidence: expect.stringMatching(/unchanged/) });
  });

  test.each<[string, Partial<RenderFields>]>([
    ['output set', { output: 'https://x/y.mp4' }],
    ['status in_queue', { status: 'in_queue' }],
    ['status running', { status: 'running' }],
    ['status failed', { status: 'failed' }],
    ['an unknown status', { status: 'processing' }],
    ['failed_reason set', { failedReason: 'boom' }],
    ['media_job replaced or set', { mediaJob: 'job-render' }],
    ['credits_used grew', { creditsUsed: 99 }],
  ])('%s is strong evidence of a render', (_label, change) => {
    if (change.creditsUsed !== undefined && before.creditsUsed === null) return; // nothing to compare with
    expect(judgeRenderStarted(before, { ...before, ...change })).toMatchObject({ started: true, strength: 'strong' });
  });

  test('only updated_at moving is weak evidence', () => {
    expect(judgeRenderStarted(before, { ...before, updatedAt: 't1' })).toMatchObject({ started: true, strength: 'weak' });
  });
});

describe('judging a render: shapes specific to one preview', () => {
  const donePreview = previews[0]![1];
  const pendingPreview = previews[1]![1];

  test('done → pending is a render starting', () => {
    expect(judgeRenderStarted(donePreview, { ...donePreview, status: 'pending', progress: 1 })).toMatchObject({ started: true, strength: 'strong' });
  });

  test('progress reset to 0 is a render starting', () => {
    expect(judgeRenderStarted(donePreview, { ...donePreview, progress: 0 })).toMatchObject({ started: true, strength: 'strong' });
  });

  test('a pending preview finishing on its own (→ done, no output) is not a render', () => {
    expect(judgeRenderStarted(pendingPreview, { ...pendingPreview, status: 'done' })).toMatchObject({ started: false });
    expect(judgeRenderStarted(pendingPreview, { ...pendingPreview, status: 'done', updatedAt: 't1' })).toMatchObject({ strength: 'weak' });
  });

  test('a preview still running at the snapshot that finishes, setting its media job and its charge, is weak evidence only (§4.2: an asynchronous preview)', () => {
    const running: RenderFields = { status: 'running', output: null, failedReason: null, mediaJob: null, creditsUsed: 0, progress: 0.5, updatedAt: 't0' };
    const finished = { ...running, status: 'done', mediaJob: 'job-preview', creditsUsed: 1, progress: 1, updatedAt: 't1' };
    expect(judgeRenderStarted(running, finished)).toMatchObject({ started: true, strength: 'weak', evidence: expect.stringMatching(/media_job set .* preview finishing/) });
    expect(judgeRenderStarted(running, { ...finished, mediaJob: null })).toMatchObject({ strength: 'weak', evidence: expect.stringMatching(/credits_used grew/) });
    // Still strong: an output, a failure, or any other move.
    expect(judgeRenderStarted(running, { ...finished, output: 'https://x/y.mp4' })).toMatchObject({ strength: 'strong' });
    expect(judgeRenderStarted(running, { ...finished, status: 'failed', failedReason: 'r' })).toMatchObject({ strength: 'strong' });
    expect(judgeRenderStarted(running, { ...running, status: 'in_queue', mediaJob: 'job-render' })).toMatchObject({ strength: 'strong' });
  });

  test('a media_job set at preview and kept by the render is no evidence by itself', () => {
    expect(judgeRenderStarted(pendingPreview, { ...pendingPreview })).toMatchObject({ started: false });
  });
});

describe('renderShownOnRecord (a render before this job)', () => {
  test.each([
    [{ output: 'https://x/y.mp4' }, /output/],
    [{ status: 'running' }, /running/],
    [{ status: 'rejected' }, /rejected/],
    [{ failedReason: 'boom' }, /failed_reason/],
  ])('%p shows a render', (change, pattern) => {
    expect(renderShownOnRecord({ ...previews[0]![1], ...change })).toMatch(pattern);
  });

  test.each(previews)('the previewed shape (%s) shows none', (_shape, before) => {
    expect(renderShownOnRecord(before)).toBeUndefined();
  });
});

describe('previewNotReady and renderShownBeforePost (a preview still running, a job made by create)', () => {
  const running = { ...previews[0]![1], status: 'running', mediaJob: 'job-preview', progress: 0.4, terminal: false };

  test('a record the API gives no preview link, not ended and not in the previewed shape, is not ready: nothing shows before our POST', () => {
    for (const status of ['pending', 'in_queue', 'running', 'processing']) {
      expect(previewNotReady({ ...running, status, preview: null })).toBe(true);
      expect(renderShownBeforePost({ ...running, status, preview: null })).toBeUndefined();
    }
    expect(previewNotReady({ ...running, preview: '' })).toBe(true);
  });

  test('a preview link, the previewed shape, an end, or a field the API leaves out is not "not ready"', () => {
    expect(previewNotReady({ ...running, preview: 'https://app.creatify.ai/preview?layout=x.json' })).toBe(false);
    expect(previewNotReady({ ...running, status: 'done', preview: null })).toBe(false);
    expect(previewNotReady({ ...running, output: 'https://x/y.mp4', preview: null })).toBe(false);
    expect(previewNotReady({ ...running, status: 'failed', terminal: true, preview: null })).toBe(false);
    // No `preview` field at all: nothing to go by, the judgement stays as it was.
    expect(previewNotReady(running)).toBe(false);
  });
});

describe('unsettled: no baseline for the judgement yet (a job running on the record, a preview not ready)', () => {
  const running = { ...previews[0]![1], status: 'running', mediaJob: 'job-preview', progress: 0.4, terminal: false };
  const link = 'https://app.creatify.ai/preview?layout=x.json';

  test('a job queued or running, nothing ended, is unsettled, link or none: a preview as much as a render, so nothing shows before our POST', () => {
    for (const status of ['in_queue', 'running']) {
      for (const preview of [undefined, link, null]) {
        expect(unsettled({ ...running, status, preview })).toBe(true);
        expect(renderShownBeforePost({ ...running, status, preview })).toBeUndefined();
      }
    }
  });

  test('the previewed shapes, an end, an output or a failure are settled: a render on them shows before our POST', () => {
    for (const status of ['pending', 'done']) expect(unsettled({ ...running, status, preview: link })).toBe(false);
    expect(unsettled({ ...running, output: 'https://x/y.mp4' })).toBe(false);
    expect(renderShownBeforePost({ ...running, output: 'https://x/y.mp4' })).toMatch(/output/);
    expect(unsettled({ ...running, failedReason: 'boom' })).toBe(false);
    expect(renderShownBeforePost({ ...running, status: 'failed', terminal: true, failedReason: 'boom' })).toMatch(/failed/);
    // A status the docs do not name: a running stage or a resting state under a name of its own; watching decides (untilPreviewReady).
    expect(unsettled({ ...running, status: 'processing', preview: link })).toBe(true);
    expect(unsettled({ ...running, status: 'processing', output: 'https://x/y.mp4' })).toBe(false);
    for (const status of ['rendering', 'in_progress', 'queued', 'started']) expect(unsettled({ ...running, status, preview: link })).toBe(true);
    // The previewed shape under an end's other name, or a resting word: not watched (two more reads before every render).
    for (const status of ['completed', 'succeeded', 'ready', 'finished']) expect(unsettled({ ...running, status, preview: link })).toBe(false);
  });
});
