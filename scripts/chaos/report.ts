/** The soak's figures, from what the harness saw, what Temporal says and what the sandbox counted. */
import type { TrackingOptions } from '../../src/client';
import type { SandboxSettingsPatch, SandboxStats } from '../../src/sandbox';
import type { HistoryFacts, WorkflowFacts } from './collect';
import type { ChaosPlan } from './plan';
import type { ChaosEvent } from './schedule';
import type { RenderOutcome, RenderRecord } from './track';

export interface Spread {
  mean: number;
  max: number;
}

export interface LatencySummary {
  n: number;
  p50: number;
  p95: number;
  max: number;
}

const CALL_ENDPOINTS = ['render', 'get', 'list'] as const;

export interface SoakReport {
  /** N/N done with the right URL, 0 paid twice, 0 never paid, 0 still open. */
  passed: boolean;
  figures: {
    renders: number;
    doneRightUrl: number;
    /** The outcome every render was meant to reach (the sandbox's), and how many reached it (done: with the right URL). */
    expectedEnd: 'done' | 'failed' | 'rejected';
    endedAsExpected: number;
    paidTwice: number;
    neverPaid: number;
    stillOpen: number;
    /** From the sandbox's end (GET first showed a terminal status) to the workflow's close. */
    endToCloseMs: LatencySummary | null;
    /** From the harness's start of tracking to the first charged render (where a slow tail usually sits). */
    startToPaidMs: LatencySummary | null;
    /** From the harness's start of tracking to the workflow's close. */
    startToCloseMs: LatencySummary | null;
    /** Tracker calls to Creatify per render (the harness's own preview call excluded). */
    creatifyCallsPerRender: Record<(typeof CALL_ENDPOINTS)[number] | 'total', Spread>;
  };
  /** Why renders that are not "done with the right URL" are not. */
  otherOutcomes: {
    failed: Record<string, number>;
    wrongUrl: number;
    notStarted: number;
    lost: number;
    /** Closed in Temporal, but the harness never got a result (budget ran out first). */
    closedUnseen: number;
  };
  problems: Array<{ id: string; problems: string[] }>;
  chaos: {
    plan: ChaosPlan;
    events: Array<ChaosEvent & { atIso: string }>;
    webhooks: {
      attempts: number;
      dropped: number;
      duplicates: number;
      sentBeforeEnd: number;
      refusedOrFailed: number;
      /** Deliveries the sandbox had not sent yet when the stats were read (0 unless they took too long). */
      pendingAtEnd: number;
      byKind: Record<string, number>;
      /** What the receiver answered to the deliveries sent: HTTP status, or the network error's code. */
      receiverAnswers: Record<string, number>;
    };
    faultsInjected: Record<string, number>;
    unexpectedProcessExits: string[];
    /** Summed over the workflows' histories (last run): work lost to a killed worker or a restart. */
    temporal: { workflowTaskTimeouts: number; workflowTaskFailures: number; completionsRaced: number; historyEvents: number };
  };
  detectedBy: Record<string, number>;
  sandboxCalls: Record<string, number>;
  config: { renders: number; seed: number; concurrency: number; timeFactor: number; tracking: TrackingOptions; budgetMs: number; workDir: string; readings?: { seed: number; settings: SandboxSettingsPatch } };
  timings: { setupMs: number; runMs: number };
  logs: { temporal: string; receiver: string[]; workers: string[] };
  renders: Array<{
    id: string;
    outcome: RenderOutcome;
    execution: string | null;
    startedAt: number | null;
    paidAt: number | null;
    closedAt: number | null;
    endedAt: number | null;
    endToCloseMs: number | null;
    expectedOutput: string | null;
    paid: number;
    calls: Record<(typeof CALL_ENDPOINTS)[number], number>;
    startAttempts: number;
    resultRetries: number;
    history: HistoryFacts | null;
  }>;
}

export interface ReportInput {
  config: SoakReport['config'] & { chaos: ChaosPlan };
  records: RenderRecord[];
  workflows: Map<string, WorkflowFacts>;
  expectedOutputs: Array<string | null>;
  /** How every render should end: `done` (with the sandbox's URL), or the failure the sandbox was set to (readings with another outcome). */
  expectedEnd?: 'done' | 'failed' | 'rejected';
  stats: SandboxStats;
  events: ChaosEvent[];
  unexpectedExits: string[];
  logs: SoakReport['logs'];
  timings: SoakReport['timings'];
}

export function buildReport(input: ReportInput): SoakReport {
  const { stats, records } = input;
  const { endedAt } = stats;
  const paidAt: Record<string, number> = {};
  for (const entry of stats.credits.ledger) {
    if (entry.action === 'render' && paidAt[entry.lipsyncId] === undefined) paidAt[entry.lipsyncId] = entry.at;
  }
  const renders: SoakReport['renders'] = records.map((record, i) => {
    const { execution = null, history = null } = input.workflows.get(record.id) ?? {};
    const ended = endedAt[record.id] ?? null;
    const closedAt = execution?.closeTime ?? null;
    const calls = stats.callsByLipsync[record.id];
    return {
      id: record.id,
      outcome: record.outcome,
      execution: execution?.status ?? null,
      startedAt: record.startedAt,
      paidAt: paidAt[record.id] ?? null,
      closedAt,
      endedAt: ended,
      endToCloseMs: ended !== null && closedAt !== null ? closedAt - ended : null,
      expectedOutput: input.expectedOutputs[i] ?? null,
      paid: stats.renders[record.id] ?? 0,
      calls: { render: calls?.render ?? 0, get: calls?.get ?? 0, list: calls?.list ?? 0 },
      startAttempts: record.startAttempts,
      resultRetries: record.resultRetries,
      history,
    };
  });

  const problems: SoakReport['problems'] = [];
  const otherOutcomes: SoakReport['otherOutcomes'] = { failed: {}, wrongUrl: 0, notStarted: 0, lost: 0, closedUnseen: 0 };
  const detectedBy: Record<string, number> = {};
  const expectedEnd = input.expectedEnd ?? 'done';
  let doneRightUrl = 0;
  let endedAsExpected = 0;
  let stillOpen = 0;
  for (const r of renders) {
    const found: string[] = [];
    const o = r.outcome;
    if (o.kind === 'done') {
      detectedBy[o.detectedBy] = (detectedBy[o.detectedBy] ?? 0) + 1;
      if (expectedEnd === 'done' && r.expectedOutput !== null && o.output === r.expectedOutput) doneRightUrl += 1;
      else {
        otherOutcomes.wrongUrl += 1;
        found.push(`done with ${o.output}, the sandbox says ${r.expectedOutput}`);
      }
    } else if (o.kind === 'failed' && o.reason === expectedEnd) {
      endedAsExpected += 1;
    } else if (o.kind === 'failed') {
      otherOutcomes.failed[o.reason] = (otherOutcomes.failed[o.reason] ?? 0) + 1;
      found.push(`ended without a video (${o.reason}): ${o.message}`);
    } else if (o.kind === 'not-started') {
      otherOutcomes.notStarted += 1;
      found.push(`never started: ${o.message ?? 'the run ended first'}`);
    } else if (o.kind === 'lost') {
      otherOutcomes.lost += 1;
      found.push(`lost: ${o.message}`);
    } else if (r.execution !== null && r.execution !== 'RUNNING') {
      otherOutcomes.closedUnseen += 1;
      found.push(`closed (${r.execution}) but its result was not seen in time`);
    }
    // "Still open" is Temporal's word, not the harness's: a workflow not closed (or not answering) at the end.
    if (r.execution === null || r.execution === 'RUNNING') {
      stillOpen += 1;
      found.push(r.execution === null ? 'its workflow could not be described at the end' : 'still open at the end');
    }
    if (r.paid > 1) found.push(`paid ${r.paid} times`);
    if (r.paid === 0) found.push('never paid');
    if (found.length > 0 && r.history?.file) found.push(`history in ${r.history.file}`);
    if (found.length > 0) problems.push({ id: r.id, problems: found });
  }

  const lags = renders.filter((r) => r.outcome.kind === 'done' && r.endToCloseMs !== null).map((r) => r.endToCloseMs!);
  const toPaid = renders.filter((r) => r.startedAt !== null && r.paidAt !== null).map((r) => r.paidAt! - r.startedAt!);
  const toClose = renders.filter((r) => r.startedAt !== null && r.closedAt !== null).map((r) => r.closedAt! - r.startedAt!);
  const spread = (values: number[]): Spread => ({
    mean: values.length === 0 ? 0 : round2(values.reduce((a, b) => a + b, 0) / values.length),
    max: values.length === 0 ? 0 : round2(Math.max(...values)),
  });
  // One list call reads up to 100 renders: each render's share is the calls over the
  // renders, while `max` says in how many list calls the most-read render appeared.
  const listShare = renders.length === 0 ? 0 : stats.calls.list / renders.length;
  const perRender = (f: (r: (typeof renders)[number]) => number) => spread(renders.map(f));
  const creatifyCallsPerRender = {
    render: perRender((r) => r.calls.render),
    get: perRender((r) => r.calls.get),
    list: { mean: round2(listShare), max: perRender((r) => r.calls.list).max },
    total: perRender((r) => r.calls.render + r.calls.get + listShare),
  };

  const ids = new Set(records.map((r) => r.id));
  const ours = stats.webhooks.filter((w) => ids.has(w.lipsyncId));
  const byKind: Record<string, number> = {};
  for (const w of ours) byKind[w.kind] = (byKind[w.kind] ?? 0) + 1;
  const receiverAnswers: Record<string, number> = {};
  for (const w of ours) {
    if (w.dropped) continue;
    const answer = w.responseStatus !== null ? String(w.responseStatus) : (w.error ?? 'none').split(':')[0]!;
    receiverAnswers[answer] = (receiverAnswers[answer] ?? 0) + 1;
  }
  const terminal = new Set(['done', 'failed', 'rejected']);
  const webhooks = {
    attempts: ours.length,
    dropped: ours.filter((w) => w.dropped).length,
    duplicates: ours.filter((w) => w.kind === 'duplicate').length,
    sentBeforeEnd: ours.filter((w) => w.sentAt !== null && terminal.has(w.status) && w.output !== null && endedAt[w.lipsyncId] !== undefined && w.sentAt < endedAt[w.lipsyncId]!).length,
    refusedOrFailed: ours.filter((w) => !w.dropped && w.error !== null).length,
    pendingAtEnd: stats.webhooksPending,
    byKind,
    receiverAnswers,
  };
  const faultsInjected: Record<string, number> = {};
  for (const f of stats.faultsInjected) {
    const key = `${f.kind} ${f.endpoint}`;
    faultsInjected[key] = (faultsInjected[key] ?? 0) + 1;
  }

  const figures = {
    renders: records.length,
    doneRightUrl,
    expectedEnd,
    endedAsExpected: doneRightUrl + endedAsExpected,
    paidTwice: renders.filter((r) => r.paid > 1).length,
    neverPaid: renders.filter((r) => r.paid === 0).length,
    stillOpen,
    endToCloseMs: lags.length === 0 ? null : latency(lags),
    startToPaidMs: toPaid.length === 0 ? null : latency(toPaid),
    startToCloseMs: toClose.length === 0 ? null : latency(toClose),
    creatifyCallsPerRender,
  };
  const { chaos, ...config } = input.config;
  return {
    passed: figures.endedAsExpected === figures.renders && figures.paidTwice === 0 && figures.neverPaid === 0 && figures.stillOpen === 0,
    figures,
    otherOutcomes,
    problems,
    chaos: {
      plan: chaos,
      events: input.events.map((e) => ({ ...e, atIso: new Date(e.at).toISOString() })),
      webhooks,
      faultsInjected,
      unexpectedProcessExits: input.unexpectedExits,
      temporal: {
        workflowTaskTimeouts: sum(renders.map((r) => r.history?.workflowTaskTimeouts ?? 0)),
        workflowTaskFailures: sum(renders.map((r) => r.history?.workflowTaskFailures ?? 0)),
        completionsRaced: sum(renders.map((r) => r.history?.completionsRaced ?? 0)),
        historyEvents: sum(renders.map((r) => r.history?.events ?? 0)),
      },
    },
    detectedBy,
    sandboxCalls: { ...stats.calls },
    config,
    timings: input.timings,
    logs: input.logs,
    renders,
  };
}

/** Nearest-rank percentiles. */
export function latency(samples: number[]): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
  return { n: sorted.length, p50: at(50), p95: at(95), max: sorted[sorted.length - 1]! };
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
