/** The sandbox demo batch: preview a few lipsyncs, render them, show each reach its end. */
import type { LipsyncOrchestrator } from '../client';
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

/** Resolves with how many demo renders reached `done`. */
export async function runDemo(orchestrator: LipsyncOrchestrator, say: (line: string) => void): Promise<number> {
  say(`demo: previewing and rendering ${DEMO_SCRIPTS.length} lipsyncs in the sandbox...`);
  const ids: string[] = [];
  for (const [i, text] of DEMO_SCRIPTS.entries()) {
    const lipsync = await orchestrator.preview(demoRequest(`demo ${i + 1}`, text));
    ids.push(lipsync.id);
    await orchestrator.startRender(lipsync.id, DEMO_OPTIONS);
    say(`demo: ${lipsync.id} previewed, render started`);
  }
  const outcomes = await Promise.all(ids.map((id) => followOne(orchestrator, id, say)));
  const done = outcomes.filter(Boolean).length;
  say(`demo: ${done}/${ids.length} renders done`);
  return done;
}

async function followOne(orchestrator: LipsyncOrchestrator, id: string, say: (line: string) => void): Promise<boolean> {
  let last = '';
  try {
    for await (const event of orchestrator.watch(id)) {
      if (event.type === 'done') {
        const { result } = event;
        say(`demo: ${id} done → ${result.output} (detected by ${result.detectedBy}, ${result.timings.totalMs} ms)`);
        return true;
      }
      if (event.type === 'ended') {
        say(`demo: ${id} ${event.error.reason}: ${event.error.message}`);
        return false;
      }
      const { state } = event.status;
      // Webhooks carry no progress: a percentage is shown only once Creatify reported one.
      const line = state ? `${state.status}${state.progress ? ` ${Math.round(state.progress * 100)}%` : ''}` : '';
      if (line && line !== last) say(`demo: ${id} ${line}`);
      last = line || last;
    }
  } catch (err) {
    say(`demo: ${id} ${err instanceof Error ? err.message : String(err)}`);
  }
  return false;
}
