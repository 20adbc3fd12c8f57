/**
 * One Creatify, drawn: a reading of every unknown of docs/creatify-api.md that bears on
 * tracking a render, picked from the sandbox's settings by a seed, and how its renders
 * end (done; in one draw out of four, all failed or all rejected at Creatify). Each
 * setting has its own test; the draw puts them together, as a stand-in that made its own
 * choice at every [I]/[U] would, so a soak can show that no combination pays twice,
 * skips a render, or leaves a job open.
 *
 * A second render is charged in two draws of three ('charge'): the soak's "paid twice"
 * count sees a second POST only when it costs money. In the third it is refused, worded
 * one of five ways, so a refusal of a retry that a render explains must not end the job.
 */
import { mulberry32, type Random } from '../../src/sandbox/random';
import type { SandboxSettingsPatch } from '../../src/sandbox';

function pick<T>(random: Random, choices: readonly T[]): T {
  return choices[Math.floor(random.next() * choices.length)]!;
}

/** The readings for this seed; `renderMs` scales the one setting in real time (the record's late showing of a render). */
export function drawReadings(seed: number, renderMs: number): SandboxSettingsPatch {
  const random = mulberry32(Math.imul(seed ^ 0x2545f491, 0x9e3779b1));
  const at = <T>(choices: readonly T[]) => pick(random, choices);
  const doneAs = at(['done', 'completed', 'succeeded'] as const);
  // One draw in four: every render fails or is rejected at Creatify (under its documented name or another word).
  const outcome = at(['done', 'done', 'done', 'done', 'done', 'done', 'failed', 'rejected'] as const);
  const readings: SandboxSettingsPatch & { webhooks: NonNullable<SandboxSettingsPatch['webhooks']> } = {
    outcome,
    failedReason: 'The avatar could not be rendered.',
    rejectedReason: at([null, 'Content policy.']),
    previewStatus: at(['done', 'pending'] as const),
    previewAsync: at([false, true]),
    mediaJobAtPreview: at([false, true]),
    previewProgress: at([0, 1]),
    renderMediaJob: at(['replace', 'keep'] as const),
    renderResponse: at(['new', 'stale', 'accepted'] as const),
    renderResetsProgress: at([true, false]),
    creditsUsedOnRender: at(['add', 'keep'] as const),
    renderApplyDelayMs: at([0, Math.round(renderMs / 4)]),
    runningStatusAs: at(['running', 'processing'] as const),
    endStatusAs: { done: doneAs, failed: at(['failed', 'error'] as const), rejected: at(['rejected', 'cancelled'] as const) },
    progressAs: at(['string', 'number', 'percent'] as const),
    decimalsAs: at(['number', 'string'] as const),
    listShape: at(['array', 'paginated'] as const),
    listOrder: at(['newest', 'asked', 'reversed'] as const),
    listFields: at(['full', 'summary'] as const),
    durationOmittedFrom: at(['none', 'get', 'get-and-list'] as const),
    remainingCredits: at(['live', 'stale', 'absent'] as const),
    concurrentJobs: at([{ max: null, status: 429 }, { max: 5, status: 429 }, { max: 5, status: 400 }, { max: 5, status: 403 }] as const) as { max: number | null; status: 429 | 400 | 403; wording?: 'too-many' | 'maximum' },
    webhooks: {
      style: at(['documented', 'sibling', 'minimal'] as const),
      statusAliases: at([{}, { [doneAs]: doneAs === 'done' ? 'completed' : 'done' }]),
      progress: at(['none', 'string', 'number'] as const),
      idCase: at(['lower', 'upper'] as const),
      extraFields: at([false, true]),
      encoding: at(['json', 'form', 'python', 'json-string'] as const),
      previewDeliveries: at([false, true]),
    },
    // Drawn last, so the draws above stay what they were for each seed.
    listPageSize: at([null, 5]),
    updatedAt: at(['live', 'created'] as const),
    secondRender: at(['charge', 'charge', 'reject'] as const),
    secondRenderRefusal: at(['already', 'state', 'conflict', 'forbidden', 'not-found'] as const),
  };
  // Drawn after everything above (earlier draws keep their seeds); a form-encoded body carries the record as JSON in its `data` field.
  readings.webhooks.envelope = at(['none', 'none', 'data'] as const);
  readings.remainingCredits = readings.remainingCredits === 'absent' && at([false, true]) ? 'forbidden' : readings.remainingCredits;
  readings.previewOutput = at(['none', 'none', 'preview-link'] as const);
  if (readings.previewOutput === 'none' && at([false, false, true])) readings.previewOutput = 'layout-file';
  readings.priceRounding = at(['block-up', 'block-up', 'pro-rata', 'nearest-block'] as const);
  readings.previewLinkAtOnce = readings.previewAsync === true && at([false, true]);
  const cap = readings.concurrentJobs!;
  if (cap.max !== null) cap.wording = at(['too-many', 'maximum'] as const);
  // Other shapes of the delivery: the URL under `output_url`, an envelope with its own status, a Django model's repr.
  if (at([false, false, false, true])) readings.webhooks.style = 'output-url';
  if (readings.webhooks.envelope === 'data' && at([false, true])) readings.webhooks.envelope = 'status';
  if (readings.webhooks.encoding === 'python' && at([false, true])) readings.webhooks.encoding = 'django';
  // Statuses as an enum's names (DONE, RUNNING); the render answered 201 with the record.
  readings.statusCase = at(['lower', 'lower', 'lower', 'upper'] as const);
  if (at([false, false, false, true])) readings.renderResponse = 'created';
  // An event's own id and status around the record, or a list of one; a gzipped body.
  if (readings.webhooks.envelope === 'none' && at([false, false, true])) readings.webhooks.envelope = at(['event', 'list'] as const);
  if (readings.progressAs === 'percent' && at([false, true])) readings.progressAs = 'percent-string';
  if (at([false, false, false, true])) readings.webhooks.compression = 'gzip';
  return readings;
}
