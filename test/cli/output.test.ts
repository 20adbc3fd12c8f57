import { LiveStatusLine, describeLiveStatus, formatFields, formatTable } from '../../src/cli/output';
import type { RenderStatus } from '../../src/client';
import type { TrackingState } from '../../src/contract/messages';

function terminal(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, isTTY, write: (text: string) => writes.push(text) };
}

function status(tracked: TrackingState['status'], progress: number, phase: TrackingState['phase']): RenderStatus {
  const state = { status: tracked, progress, phase } as TrackingState;
  return { lipsyncId: 'x', workflowId: 'lipsync-render-x', execution: 'RUNNING', state, status: tracked };
}

describe('the live status line', () => {
  test('on a TTY redraws one line in place (log-update) and leaves the last one on screen', () => {
    const tty = terminal(true);
    const line = new LiveStatusLine(tty);
    for (const [ms, s] of [[0, status('pending', 0, 'waiting-for-webhook')], [1000, status('pending', 0, 'waiting-for-webhook')], [2000, status('running', 0.5, 'waiting-for-webhook')]] as const) {
      const { key, text } = describeLiveStatus(s, ms);
      line.show(key, text);
    }
    line.finish();
    const out = tty.writes.join('');
    // Each frame erases the one before: what stays on screen is the last line, once.
    const lastFrame = out.slice(out.lastIndexOf('\x1b[G') + 3);
    expect(lastFrame).toBe('[2s] running 50% (waiting for webhook)\n');
    expect(out.match(/\n/g)).toHaveLength(3);
  });

  test('elsewhere writes a line only when status, progress or phase changes', () => {
    const log = terminal(false);
    const line = new LiveStatusLine(log);
    const updates = [status('pending', 0, 'polling'), status('pending', 0, 'polling'), status('running', 0.2, 'polling'), status('running', 0.2, 'polling')];
    updates.forEach((s, i) => {
      const { key, text } = describeLiveStatus(s, i * 1000);
      line.show(key, text);
    });
    line.finish();
    expect(log.writes).toEqual(['[0s] pending 0% (polling)\n', '[2s] running 20% (polling)\n']);
  });
});

test('tables align columns and fields skip empty values', () => {
  expect(formatTable(['id', 'status'], [['a', 'done'], ['bbb', 'failed']])).toBe('ID   STATUS\na    done\nbbb  failed');
  expect(formatFields([['output', 'u'], ['thumbnail', null], ['credits used', 5]])).toBe('output        u\ncredits used  5');
});
