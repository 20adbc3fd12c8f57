import net from 'node:net';
import type { RunningSandbox } from '../../src/sandbox';
import { call, startFast } from './helpers';

// Requests no HTTP client library would send, written straight to the socket.

/** Sends `raw` and returns everything the sandbox answers until it closes (or 2 s pass). */
function rawRequest(sandbox: RunningSandbox, raw: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(sandbox.port, '127.0.0.1');
    let received = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(received);
    }, 2_000);
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (received += chunk));
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(received);
    });
    socket.write(raw);
  });
}

describe('malformed requests', () => {
  let sandbox: RunningSandbox;
  let logCalls = 0;

  beforeAll(async () => {
    sandbox = await startFast({
      // A broken log sink must not escape either.
      log: () => {
        logCalls += 1;
        throw new Error('log sink broken');
      },
    });
  });
  afterAll(() => sandbox?.close());

  test('an unparseable request target → 400 {"detail": ...}, and the sandbox keeps serving', async () => {
    const answer = await rawRequest(sandbox, 'GET //[ HTTP/1.1\r\nHost: sandbox\r\nConnection: close\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as { detail: unknown };
    expect(body).toEqual({ detail: expect.any(String) });

    const res = await call(sandbox, 'GET', '/api/remaining_credits/');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ remaining_credits: expect.any(Number) });
    expect(logCalls).toBeGreaterThanOrEqual(2);
  });
});
