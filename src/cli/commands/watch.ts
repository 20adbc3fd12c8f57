/**
 * `lipsync watch`: every open render of the namespace, like `top`. Reads Temporal
 * visibility (orchestrator.list) once a second, so it costs one list call however many
 * renders there are; a render that closes stays on screen with how it ended.
 */
import { z } from 'zod';
import type { LipsyncOrchestrator, RenderSummary } from '../../client';
import { loadTemporalConfig } from '../../config';
import { defineCommand, Flag } from '../args';
import { withOrchestrator } from '../connect';
import { ExitCode } from '../exit-codes';
import { writeLine, type CliIo } from '../io';
import { isEnded } from '../live/format';
import { LiveView } from '../live/view';
import { painter, wantsColor } from '../style';

const INTERVAL_MS = 1_000;

export const watchCommand = defineCommand(
  {
    name: 'watch',
    group: 'renders',
    summary: 'show every open render of the namespace, live, until q or Ctrl-C',
    synopsis: '[--once] [--json]',
    details: 'Not on a terminal: one line per status change. Reads Temporal visibility, which can trail by a moment.',
    positionals: [],
    options: {
      once: { type: 'boolean', help: 'show the open renders once and exit' },
      json: { type: 'boolean', help: 'one JSON object per line, per status change' },
    },
    schema: z.object({ once: Flag, json: Flag }),
  },
  (args, io) =>
    withOrchestrator(io, async (orchestrator) => {
      const stop = new AbortController();
      const release = listenForQuit(io, () => stop.abort());
      try {
        await follow(orchestrator, io, args, stop.signal);
      } finally {
        release();
      }
      return ExitCode.Ok;
    }),
);

async function follow(orchestrator: LipsyncOrchestrator, io: CliIo, args: { once: boolean; json: boolean }, signal: AbortSignal): Promise<void> {
  const { connectionOptions, namespace } = loadTemporalConfig(io.env);
  // --json is for programs: never a redrawn view, whatever stdout is.
  const view = args.json ? null : new LiveView({ io });
  const bold = painter(wantsColor(io.env, io.stdout));
  const seen = new Map<string, string>();
  let first = true;
  try {
    while (!signal.aborted) {
      const renders = await orchestrator.list({ limit: 200 });
      if (first) {
        view?.knownDurations(renders.flatMap((r) => (r.status === 'done' && r.closeTime ? [r.closeTime.getTime() - r.startTime.getTime()] : [])));
        view?.setHeader([bold('bold', `lipsync watch: open renders in ${namespace} at ${connectionOptions.address}`)]);
      }
      for (const render of renders) {
        const open = isOpen(render);
        // Closed renders matter only if they were open while we watched.
        if (!open && !seen.has(render.lipsyncId)) continue;
        const key = `${render.execution}|${render.status}`;
        if (seen.get(render.lipsyncId) === key) continue;
        seen.set(render.lipsyncId, key);
        if (args.json) writeLine(io.stdout, JSON.stringify(render));
        else show(view!, render);
      }
      const open = renders.filter(isOpen).length;
      view?.say(view.interactive ? `${open} open${args.once ? '' : ' · q or Ctrl-C to leave'}` : first && open === 0 ? 'no open renders' : '');
      first = false;
      if (args.once) break;
      await pause(INTERVAL_MS, signal);
    }
  } finally {
    view?.stop();
  }
}

function show(view: LiveView, render: RenderSummary): void {
  const status = render.status ?? render.execution.toLowerCase();
  if (isOpen(render)) {
    view.update(render.lipsyncId, { status, startedAt: render.startTime.getTime() });
    return;
  }
  const ok = render.status === 'done';
  view.update(render.lipsyncId, { status, startedAt: render.startTime.getTime() });
  view.end(render.lipsyncId, {
    ok,
    status,
    outcome: ok ? undefined : render.execution.toLowerCase(),
    durationMs: render.closeTime ? render.closeTime.getTime() - render.startTime.getTime() : undefined,
  });
}

/** The workflow may run a moment after its search attribute says it ended: that is ended here. */
function isOpen(render: RenderSummary): boolean {
  return render.execution === 'RUNNING' && !isEnded(render.status ?? '');
}

/** q or Ctrl-C on a terminal (raw mode, so no Enter is needed); SIGINT/SIGTERM anywhere. */
function listenForQuit(io: CliIo, quit: () => void): () => void {
  const onSignal = () => quit();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const stdin = process.stdin;
  const raw = io.stdout.isTTY && stdin.isTTY;
  const onKey = (data: Buffer) => {
    const key = data.toString();
    if (key === 'q' || key === 'Q' || key === '\u0003') quit();
  };
  if (raw) {
    stdin.setRawMode(true);
    stdin.on('data', onKey);
    stdin.resume();
  }
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (raw) {
      stdin.off('data', onKey);
      stdin.setRawMode(false);
      stdin.pause();
    }
  };
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
