import type { Endpoint } from './ledger';
import { faultStream } from './random';
import type { Random } from './random';
import { RANDOM_FAULT_KINDS } from './settings-parts';
import type { RandomFaultSettings } from './settings-parts';
import type { FaultHit } from './fault-response';

// settings.randomFaults: a chaos soak. Each request on a listed endpoint draws once
// from one seeded stream, so the same seed and the same request sequence replay the
// same faults (the stream restarts on reset).

const SERVER_ERRORS = [500, 502, 503, 504] as const;

export class RandomFaults {
  private rng: Random;

  constructor(private readonly seed: number) {
    this.rng = faultStream(seed);
  }

  reset(): void {
    this.rng = faultStream(this.seed);
  }

  /** At most one fault for this request, or null (also when chaos is off or not for this endpoint). */
  draw(settings: RandomFaultSettings, endpoint: Endpoint): FaultHit | null {
    if (!settings.endpoints.includes(endpoint)) return null;
    const total = RANDOM_FAULT_KINDS.reduce((sum, kind) => sum + settings[kind], 0);
    if (total <= 0) return null;
    const u = this.rng.next();
    let upTo = 0;
    for (const kind of RANDOM_FAULT_KINDS) {
      upTo += settings[kind];
      if (u < upTo) return this.build(kind, settings);
    }
    return null;
  }

  private build(kind: (typeof RANDOM_FAULT_KINDS)[number], settings: RandomFaultSettings): FaultHit {
    const base = {
      after: false,
      status: 500 as const,
      retryAfter: settings.retryAfter,
      delayMs: settings.hangMs,
      random: true,
    };
    switch (kind) {
      case 'rateLimit':
        return { ...base, kind: 'rate-limit' };
      case 'serverErrorBefore':
      case 'serverErrorAfter': {
        // A second draw, only for server errors: which gateway or app failure it is.
        const status = SERVER_ERRORS[Math.floor(this.rng.next() * SERVER_ERRORS.length)]!;
        return { ...base, kind: 'server-error', status, after: kind === 'serverErrorAfter' };
      }
      case 'resetBefore':
        return { ...base, kind: 'reset' };
      case 'resetAfter':
        return { ...base, kind: 'reset', after: true };
      default:
        return { ...base, kind: 'hang' };
    }
  }
}
