import { createServer } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

// A real HTTP endpoint that collects webhook deliveries, for tests that need to see
// what actually went over the wire.

export interface ReceivedDelivery {
  /** Parsed JSON body (the raw text if it was not JSON). */
  body: any;
  /** Epoch ms of arrival. */
  at: number;
  path: string;
  headers: IncomingHttpHeaders;
}

export interface WebhookReceiver {
  /** Base URL, e.g. http://127.0.0.1:40123/hook (POST anything under it). */
  url: string;
  /** Every delivery so far, in arrival order (live array). */
  deliveries: ReceivedDelivery[];
  /** Resolves with the first delivery matching `pred` (past or future); rejects on timeout. */
  waitFor(pred: (d: ReceivedDelivery) => boolean, timeoutMs?: number): Promise<ReceivedDelivery>;
  /** Resolves once at least `count` deliveries arrived. */
  waitForCount(count: number, timeoutMs?: number): Promise<ReceivedDelivery[]>;
  /** Status the receiver answers with from now on (default 200). */
  respondWith(status: number): void;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const deliveries: ReceivedDelivery[] = [];
  const waiters = new Set<() => void>();
  let status = 200;

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // keep the raw text: a test may be checking exactly that
      }
      deliveries.push({ body, at: Date.now(), path: req.url ?? '/', headers: req.headers });
      res.writeHead(status, { 'content-type': 'application/json' }).end('{"ok":true}');
      for (const wake of [...waiters]) wake();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  function until<T>(check: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const wake = () => {
        const value = check();
        if (value === undefined) return;
        clearTimeout(timer);
        waiters.delete(wake);
        resolve(value);
      };
      const timer = setTimeout(() => {
        waiters.delete(wake);
        reject(new Error(`webhook receiver: timed out after ${timeoutMs} ms waiting for ${what}; ` +
          `got ${JSON.stringify(deliveries.map((d) => d.body))}`));
      }, timeoutMs);
      waiters.add(wake);
      wake();
    });
  }

  return {
    url: `http://127.0.0.1:${port}/hook`,
    deliveries,
    waitFor: (pred, timeoutMs = 3_000) => until(() => deliveries.find(pred), timeoutMs, 'a matching delivery'),
    waitForCount: (count, timeoutMs = 3_000) =>
      until(() => (deliveries.length >= count ? deliveries.slice() : undefined), timeoutMs, `${count} deliveries`),
    respondWith(next) {
      status = next;
    },
    close() {
      for (const wake of [...waiters]) waiters.delete(wake);
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
