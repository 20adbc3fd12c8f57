/**
 * The CLI's contract with scripts (exit codes, one-line errors) checked in-process,
 * without a Temporal server: every case here fails before or at connecting.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../src/dev/ports';
import { main } from '../../src/cli/main';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    env,
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  });
  return { code, stdout, stderr };
}

function expectOneLine(text: string): void {
  expect(text.trimEnd().split('\n')).toHaveLength(1);
}

const ID = '3f8a1c2e-5b6d-4e7f-8a9b-0c1d2e3f4a5b';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lipsync-cli-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('help', () => {
  test('lipsync --help lists every command and the exit codes', async () => {
    const { code, stdout } = await run(['--help']);
    expect(code).toBe(0);
    for (const name of ['render', 'approve', 'reject', 'status', 'list', 'cancel', 'credits', 'preview', 'worker', 'webhook-server', 'webhook-url', 'sandbox', 'start', 'build-bundle']) {
      expect(stdout).toContain(`  ${name} `);
    }
    expect(stdout).toMatch(/78\s+configuration error/);
  });

  test('every command answers --help with its usage', async () => {
    for (const name of ['render', 'approve', 'reject', 'status', 'list', 'cancel', 'credits', 'preview', 'worker', 'webhook-server', 'webhook-url', 'start', 'build-bundle']) {
      const { code, stdout } = await run([name, '--help']);
      expect({ name, code }).toEqual({ name, code: 0 });
      expect(stdout).toContain(`usage: lipsync ${name}`);
    }
    expect((await run(['help', 'render'])).stdout).toContain('--webhook-timeout D');
  });

  test('no command prints the help on stderr and exits 2', async () => {
    const { code, stderr } = await run([]);
    expect(code).toBe(2);
    expect(stderr).toContain('usage: lipsync <command>');
  });
});

describe('usage errors exit 2 with one line', () => {
  test.each([
    [['rendr'], 'lipsync: unknown command "rendr" (did you mean "render"?)'],
    [['frobnicate'], 'lipsync: unknown command "frobnicate" (see lipsync --help)'],
    [['--verbose'], 'lipsync: unknown option --verbose'],
    [['render', ID, '--foo'], 'lipsync render: unknown option --foo (see lipsync render --help)'],
    [['render'], 'lipsync render: missing <lipsync-id>'],
    [['render', 'not-a-uuid'], 'lipsync render: <lipsync-id> "not-a-uuid": not a lipsync id'],
    [['render', ID, '--deadline', 'banana'], 'lipsync render: --deadline "banana": not a duration'],
    [['render', ID, '--poll-initial', '30s', '--poll-max', '10s'], 'lipsync render: pollMaxInterval: must not be shorter than pollInitialInterval'],
    [['render', ID, '--deadline'], 'lipsync render: option --deadline needs a value'],
    [['render', ID, ID], `lipsync render: unexpected argument "${ID}"`],
    [['list', '--status', 'bogus'], 'lipsync list: --status "bogus": not a status; one of awaiting_approval, rendering,'],
    [['list', '--limit', 'ten'], 'lipsync list: --limit "ten": not a whole number'],
    [['status', ID, '--json=yes'], 'lipsync status: option --json takes no value'],
    [['worker', 'extra'], 'lipsync worker: unexpected argument "extra"'],
    [['sandbox', '--bogus'], 'lipsync sandbox: unknown option --bogus'],
  ])('%j', async (argv, expected) => {
    const { code, stdout, stderr } = await run(argv);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expectOneLine(stderr);
    expect(stderr).toContain(expected);
  });
});

describe('preview file checks', () => {
  test('a missing file is named', async () => {
    const file = path.join(tmp, 'missing.json');
    const { code, stderr } = await run(['preview', file]);
    expect(code).toBe(2);
    expectOneLine(stderr);
    expect(stderr).toContain(`cannot read ${file}: no such file`);
  });

  test('a file that is not JSON is named', async () => {
    const file = path.join(tmp, 'broken.json');
    fs.writeFileSync(file, '{"video_inputs": [');
    const { code, stderr } = await run(['preview', file]);
    expect(code).toBe(2);
    expectOneLine(stderr);
    expect(stderr).toContain(`${file} is not valid JSON`);
  });

  test('an invalid body names the file and the field', async () => {
    const file = path.join(tmp, 'bad.json');
    const scene = { character: { type: 'avatar', avatar_id: 'a' }, voice: { type: 'text', input_text: '', voice_id: 'v' } };
    fs.writeFileSync(file, JSON.stringify({ video_inputs: [scene] }));
    const { code, stderr } = await run(['preview', file]);
    expect(code).toBe(2);
    expectOneLine(stderr);
    expect(stderr).toContain(`${file}: video_inputs[0].voice.input_text:`);
  });
});

describe('environment and connection', () => {
  test('a malformed variable exits 78 naming it, without its value', async () => {
    const { code, stderr } = await run(['status', ID], { TEMPORAL_ADDRESS: 'nonsense' });
    expect(code).toBe(78);
    expectOneLine(stderr);
    expect(stderr).toContain('TEMPORAL_ADDRESS');
    expect(stderr).not.toContain('nonsense');
  });

  test('preview without Creatify credentials exits 78 naming the variable', async () => {
    const file = path.join(tmp, 'good.json');
    const scene = { character: { type: 'avatar', avatar_id: 'a' }, voice: { type: 'text', input_text: 'hi', voice_id: 'v' } };
    fs.writeFileSync(file, JSON.stringify({ video_inputs: [scene] }));
    const { code, stderr } = await run(['preview', file], { TEMPORAL_ADDRESS: '127.0.0.1:1' });
    expect(code).toBe(78);
    expect(stderr).toContain('CREATIFY_API_ID');
  });

  test('Temporal unreachable exits 4 with one line, within 15 s', async () => {
    const address = `127.0.0.1:${await freePort()}`;
    const started = Date.now();
    const { code, stdout, stderr } = await run(['status', ID], { TEMPORAL_ADDRESS: address });
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(code).toBe(4);
    expect(stdout).toBe('');
    expectOneLine(stderr);
    expect(stderr).toContain(`lipsync status: cannot reach Temporal at ${address}`);
  }, 20_000);
});

describe('service commands fail before they serve', () => {
  const webhookEnv = { WEBHOOK_PUBLIC_URL: 'https://hooks.example.com/creatify', WEBHOOK_SECRET: 'a-secret-of-at-least-16' };

  test('worker with a malformed TEMPORAL_ADDRESS exits 78 in one line naming it', async () => {
    const { code, stdout, stderr } = await run(['worker'], { TEMPORAL_ADDRESS: 'nonsense' });
    expect(code).toBe(78);
    expect(stdout).toBe('');
    expectOneLine(stderr);
    expect(stderr).toContain('lipsync worker: configuration error: TEMPORAL_ADDRESS: ');
    expect(stderr).not.toContain('nonsense');
  });

  test('webhook-server without WEBHOOK_* exits 78 naming the variable', async () => {
    const { code, stderr } = await run(['webhook-server'], {});
    expect(code).toBe(78);
    expectOneLine(stderr);
    expect(stderr).toContain('lipsync webhook-server: configuration error: WEBHOOK_PUBLIC_URL: is required');
  });

  test('webhook-url prints the URL with its token, or exits 78 naming what is missing', async () => {
    const ok = await run(['webhook-url'], webhookEnv);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^https:\/\/hooks\.example\.com\/creatify\/[A-Za-z0-9_-]{32}\n$/);
    expect(ok.stderr).toBe('');
    const missing = await run(['webhook-url'], { WEBHOOK_PUBLIC_URL: webhookEnv.WEBHOOK_PUBLIC_URL });
    expect(missing.code).toBe(78);
    expectOneLine(missing.stderr);
    expect(missing.stderr).toContain('WEBHOOK_SECRET');
  });

  test('sandbox on a port in use exits 4 (1 means a render without a video)', async () => {
    const busy = net.createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = busy.address() as net.AddressInfo;
      const { code, stderr } = await run(['sandbox', '--port', String(port)]);
      expect(code).toBe(4);
      expectOneLine(stderr);
      expect(stderr).toContain('lipsync sandbox: cannot start');
    } finally {
      busy.close();
    }
  });
});
