/** The sandbox demo batch: preview a few lipsyncs, render them, show each reach its end. */
import type { LipsyncOrchestrator, RenderStatus } from '../client';
import type { LipsyncRequest } from '../creatify';
import type { TrackingOptions } from '../contract/tracking-options';

export const DEMO_SCRIPTS = [
  'Welcome to the lipsync orchestrator demo. This render is tracked on Temporal.',
  'Webhooks are hints, confirmed by one GET before the workflow believes them.',
  'If the webhook never comes, the workflow polls with backoff until the render ends.',
];

const DEMO_OPTIONS: TrackingOptions = { webhookTimeout: '30 seconds', pollInitialInterval: '2 seconds', pollMaxInterval: '10 seconds', deadline: '10 minutes' };

export function demoRequest(name: string, text: string): LipsyncRequest {
  return {
    name,
    aspect_ratio: '9x16',
    video_inputs: [
      {
        character: { type: 'avatar', avatar_id: 'demo-avatar', avatar_style: 'normal' },
        voice: { type: 'text', input_text: text, voice_id: 'demo-voice' },
      },
    ],
  } as LipsyncRequest;
}

export interface DemoEnd {
  ok: boolean;
  /** `done`, or why it has no video (`failed`, `deadline`, ...). */
  status: string;
  /** The video URL, or the failure's message. */
  outcome: string;
  durationMs?: number;
  detectedBy?: string;
}

/** What the demo reports, render by render: the CLI draws rows from it. */
export interface DemoReporter {
  started(id: string): void;
  status(id: string, status: RenderStatus): void;
  ended(id: string, end: DemoEnd): void;
  /** A line about the batch as a whole. */
  say(line: string): void;
}

/** Plain `demo: ...` lines, one per status change: for callers without a view (tests, logs). */
export function lineReporter(say: (line: string) => void): DemoReporter {
  const last = new Map<string, string>();
  return {
    say,
    started: (id) => say(`demo: ${id} previewed, render started`),
    status(id, { state }) {
      // Webhooks carry no progress: a percentage is shown only once Creatify reported one.
      const line = state ? `${state.status}${state.progress ? ` ${Math.round(state.progress * 100)}%` : ''}` : '';
      if (line && line !== last.get(id)) say(`demo: ${id} ${line}`);
      if (line) last.set(id, line);
    },
    ended(id, end) {
      say(end.ok ? `demo: ${id} done → ${end.outcome} (detected by ${end.detectedBy}, ${end.durationMs} ms)` : `demo: ${id} ${end.status}: ${end.outcome}`);
    },
  };
}

/** Resolves with how many demo renders reached `done`. */
export async function runDemo(orchestrator: LipsyncOrchestrator, report: DemoReporter, signal?: AbortSignal): Promise<number> {
  report.say(`demo: previewing and rendering ${DEMO_SCRIPTS.length} lipsyncs in the sandbox...`);
  const ids: string[] = [];
  for (const [i, text] of DEMO_SCRIPTS.entries()) {
    if (signal?.aborted) return 0;
    const lipsync = await orchestrator.preview(demoRequest(`demo ${i + 1}`, text));
    ids.push(lipsync.id);
    await orchestrator.startRender(lipsync.id, DEMO_OPTIONS);
    report.started(lipsync.id);
  }
  const outcomes = await Promise.all(ids.map((id) => followOne(orchestrator, id, report, signal)));
  if (signal?.aborted) return done(outcomes);
  report.say(`demo: ${done(outcomes)}/${ids.length} renders done`);
  return done(outcomes);
}

function done(outcomes: boolean[]): number {
  return outcomes.filter(Boolean).length;
}

async function followOne(orchestrator: LipsyncOrchestrator, id: string, report: DemoReporter, signal?: AbortSignal): Promise<boolean> {
  try {
    for await (const event of orchestrator.watch(id, { signal })) {
      if (event.type === 'done') {
        const { result } = event;
        report.ended(id, { ok: true, status: 'done', outcome: result.output, durationMs: result.timings.totalMs, detectedBy: result.detectedBy });
        return true;
      }
      if (event.type === 'ended') {
        report.ended(id, { ok: false, status: event.error.reason, outcome: event.error.message });
        return false;
      }
      report.status(id, event.status);
    }
  } catch (err) {
    report.ended(id, { ok: false, status: 'error', outcome: err instanceof Error ? err.message : String(err) });
  }
  return false;
}
