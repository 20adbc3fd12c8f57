/** The live view in memory: what a terminal and a log get from the same updates. */
import { estimate, formatRow, progressBar, shortId, typicalDuration } from '../../src/cli/live/format';
import { LiveView } from '../../src/cli/live/view';
import { painter } from '../../src/cli/style';

const A = 'aaaaaaaa-1111-4111-8111-111111111111';
const B = 'bbbbbbbb-2222-4222-8222-222222222222';

function io(isTTY: boolean, env: NodeJS.ProcessEnv = {}) {
  const writes: string[] = [];
  const stdout = { isTTY, columns: 100, write: (text: string) => writes.push(text) };
  return { writes, io: { env, stdout, stderr: stdout } };
}

function run(view: LiveView, clock: { t: number }) {
  view.setHeader(['HEADER web ui']);
  view.update(A, { status: 'rendering' });
  view.update(B, { status: 'rendering' });
  clock.t += 1000;
  view.update(A, { status: 'running' });
  view.update(A, { status: 'running' }); // no change: no new line in a log
  clock.t += 9000;
  view.end(A, { ok: true, status: 'done', outcome: 'https://x/a.mp4' });
  view.end(B, { ok: false, status: 'failed', outcome: 'voice not found' });
  view.summary('1/2 renders done');
  view.stop();
}

test('not a terminal: plain lines, one per status change, no escape codes', () => {
  const { writes, io: pipe } = io(false);
  const clock = { t: 0 };
  run(new LiveView({ io: pipe, now: () => clock.t }), clock);
  expect(writes.join('')).toBe(
    [
      'HEADER web ui',
      'aaaaaaaa rendering (0s)',
      'bbbbbbbb rendering (0s)',
      'aaaaaaaa running (1s)',
      'aaaaaaaa done (10s) https://x/a.mp4',
      'bbbbbbbb failed (10s) voice not found',
      '1/2 renders done',
      '',
    ].join('\n'),
  );
});

test('a terminal: the last frame has the header, a row per render and the summary; NO_COLOR drops colour', () => {
  const { writes, io: tty } = io(true, { NO_COLOR: '1' });
  const clock = { t: 0 };
  const view = new LiveView({ io: tty, now: () => clock.t });
  run(view, clock);
  const out = writes.join('');
  expect(out).not.toMatch(/\x1b\[3\dm/); // no colour
  const last = out.slice(out.lastIndexOf('\x1b[G') + 3);
  expect(last.split('\n')).toEqual([
    'HEADER web ui',
    '',
    'RENDER    STATUS     PROGRESS                      ELAPSED  RESULT',
    'aaaaaaaa  done       [####################]  100%     10s  https://x/a.mp4',
    'bbbbbbbb  failed     [--------------------]    0%     10s  voice not found',
    '',
    '1/2 renders done',
    '',
  ]);
});

test('with colour on a terminal, statuses are coloured', () => {
  const { writes, io: tty } = io(true);
  const clock = { t: 0 };
  run(new LiveView({ io: tty, now: () => clock.t }), clock);
  expect(writes.join('')).toMatch(/\x1b\[32mdone/);
});

test('--verbose log lines print above the view, not inside it', () => {
  const { writes, io: tty } = io(true, { NO_COLOR: '1' });
  const view = new LiveView({ io: tty });
  view.update(A, { status: 'running' });
  view.log('[worker] lipsync a → running');
  view.stop();
  const out = writes.join('');
  expect(out.match(/\[worker\] lipsync a → running\n/g)).toHaveLength(1);
  // Printed once, above the view; the view is drawn again below it.
  expect(out.lastIndexOf('[worker]')).toBeLessThan(out.lastIndexOf('RENDER'));
});

describe('row parts', () => {
  test('short id, bar, median', () => {
    expect(shortId(A)).toBe('aaaaaaaa');
    expect(progressBar(0.5, 10)).toBe('[#####-----]');
    expect(typicalDuration([10, 1000, 20])).toBe(20);
    expect(typicalDuration([])).toBeNull();
  });

  test('no progress from Creatify: the bar is a guess from the typical duration, capped below 100%', () => {
    expect(estimate(null, 5_000, 10_000, false)).toEqual({ fraction: 0.5, guessed: true, etaMs: 5_000 });
    expect(estimate(null, 50_000, 10_000, false).fraction).toBe(0.95);
    expect(estimate(0.7, 5_000, 10_000, false)).toEqual({ fraction: 0.7, guessed: false, etaMs: 5_000 });
    expect(estimate(null, 5_000, null, false)).toEqual({ fraction: 0, guessed: false, etaMs: null });
  });

  test('a long outcome is cut to the terminal width rather than wrapped', () => {
    const row = formatRow({ id: A, status: 'done', progress: 1, elapsedMs: 1000, ok: true, outcome: 'https://'.padEnd(200, 'x') }, null, painter(false), 80);
    expect(row.length).toBe(80);
    expect(row).toMatch(/ {2}…x+$/); // a URL keeps its end
    const message = formatRow({ id: A, status: 'failed', progress: 0, elapsedMs: 1000, ok: false, outcome: 'voice '.repeat(40) }, null, painter(false), 80);
    expect(message).toMatch(/ {2}voice voice .*…$/);
  });
});
