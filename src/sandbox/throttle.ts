/**
 * A request throttle as Django REST Framework's SimpleRateThrottle keeps one (creatify-api.md
 * §11: Creatify publishes no rate limit [U]; its API is DRF): `requests` per `perSeconds`
 * over a sliding window of the account's last requests, and a refused request answered
 * 429 with `Retry-After` (whole seconds, rounded up) and DRF's detail. Refused requests do
 * not count toward the window, as in DRF.
 */
import { throttledDetail } from './faults';
import type { JsonReply } from './http';

export interface ThrottleRate {
  requests: number;
  perSeconds: number;
}

export class Throttle {
  /** When the window's requests came (ms), oldest first. */
  private history: number[] = [];
  /** Requests refused since the last reset. */
  refused = 0;

  /** Null: the request may go on (and is counted); otherwise DRF's 429 for it. */
  check(rate: ThrottleRate | null, now = Date.now()): JsonReply | null {
    if (rate === null) return null;
    const durationMs = rate.perSeconds * 1000;
    while (this.history.length > 0 && this.history[0]! <= now - durationMs) this.history.shift();
    if (this.history.length < rate.requests) {
      this.history.push(now);
      return null;
    }
    this.refused += 1;
    // DRF's wait(): what is left of the oldest request's window, shared by the requests that will be free then.
    const remainingMs = durationMs - (now - this.history[0]!);
    const available = rate.requests - this.history.length + 1;
    const waitS = Math.max(1, Math.ceil(remainingMs / available / 1000));
    return {
      status: 429,
      headers: { 'retry-after': String(waitS) },
      body: { detail: throttledDetail(String(waitS)) },
    };
  }

  reset(): void {
    this.history = [];
    this.refused = 0;
  }
}
