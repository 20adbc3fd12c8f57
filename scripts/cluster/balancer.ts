/**
 * The load balancer in front of the webhook receivers, as production has one: Creatify
 * is given one public URL, deliveries go round-robin to the receivers, and a receiver
 * that refuses the connection (killed, restarting) is skipped for the next one. Bodies
 * are small (the receivers cap them), so each is read whole before it is forwarded.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RunningBalancer {
  url: string;
  port: number;
  /** Requests answered by each upstream (by its index), and those no upstream took. */
  counts(): { perUpstream: number[]; failed: number };
  /** Every answer an upstream gave: which one, its status, when (epoch ms). */
  answers(): ReadonlyArray<{ upstream: number; status: number; at: number }>;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1 << 20;

export async function startBalancer(upstreams: string[], port = 0, host = '127.0.0.1'): Promise<RunningBalancer> {
  let next = 0;
  const perUpstream = upstreams.map(() => 0);
  let failed = 0;
  const answers: Array<{ upstream: number; status: number; at: number }> = [];

  const forward = (index: number, req: http.IncomingMessage, body: Buffer) =>
    new Promise<http.IncomingMessage>((resolve, reject) => {
      const target = new URL(req.url ?? '/', upstreams[index]);
      const headers = { ...req.headers, host: target.host, 'content-length': String(body.length), 'x-forwarded-for': req.socket.remoteAddress ?? '' };
      const out = http.request(target, { method: req.method, headers }, resolve);
      out.setTimeout(30_000, () => out.destroy(new Error('upstream timed out')));
      out.once('error', reject);
      out.end(body);
    });

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.once('end', async () => {
      const body = Buffer.concat(chunks);
      const first = next++ % upstreams.length;
      for (let i = 0; i < upstreams.length; i++) {
        const index = (first + i) % upstreams.length;
        try {
          const answer = await forward(index, req, body);
          perUpstream[index]! += 1;
          answers.push({ upstream: index, status: answer.statusCode ?? 0, at: Date.now() });
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
          return;
        } catch {
          // Connection refused or reset before an answer: the next receiver gets it.
        }
      }
      failed += 1;
      res.writeHead(502, { 'content-type': 'application/json' });
      res.end('{"ok":false,"error":"no receiver available"}');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${bound}`,
    port: bound,
    counts: () => ({ perUpstream: [...perUpstream], failed }),
    answers: () => answers,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
