import { z } from 'zod';
import type { Endpoint } from './ledger';

// Failures injected on purpose, matched before auth so a test can hit any request.

export const faultSchema = z.strictObject({
  endpoint: z.enum(['create', 'preview', 'render', 'get', 'list', 'credits', '*']),
  /** `refused`: a passing 401/403/404 in DRF's words (a firewall, a replica behind), with `refusedStatus`. */
  kind: z.enum(['rate-limit', 'server-error', 'slow', 'reset', 'lost-response', 'hang', 'refused']),
  times: z.number().int().positive().default(1),
  lipsyncId: z.string().optional(),
  /** Null: a 429 without Retry-After (§11 [U]: Creatify may not send one). */
  retryAfter: z.string().min(1).nullable().default('1'),
  status: z.union([z.literal(500), z.literal(502), z.literal(503), z.literal(504)]).default(500),
  refusedStatus: z.union([z.literal(401), z.literal(403), z.literal(404)]).default(403),
  /** For slow and hang: how long the request is held. */
  delayMs: z.number().min(0).default(1_000),
  /**
   * Process the request first (charged, state changed), then fail the answer: the
   * case a client cannot tell from `before` and must not pay twice for.
   * `lost-response` is `reset` with `after` always true.
   */
  after: z.boolean().default(false),
})
  // Normalised here so the armed list, the answer and faultsInjected all say after: true.
  .transform((fault) => (fault.kind === 'lost-response' ? { ...fault, after: true } : fault));

/** What a caller sends: everything but endpoint and kind may be left out. */
export type Fault = z.input<typeof faultSchema>;
export type ArmedFault = z.output<typeof faultSchema>;

export class FaultBook {
  private armed: ArmedFault[] = [];

  add(fault: ArmedFault): void {
    this.armed.push({ ...fault });
  }

  clear(): void {
    this.armed = [];
  }

  list(): ArmedFault[] {
    return this.armed.map((f) => ({ ...f }));
  }

  /**
   * The first armed fault matching this request, consumed once. A fault bound to a
   * lipsync id hits only requests naming that id (path id or one of `?ids=`).
   */
  take(endpoint: Endpoint, lipsyncIds: readonly string[]): ArmedFault | null {
    if (this.armed.length === 0) return null;
    const index = this.armed.findIndex(
      (f) =>
        (f.endpoint === '*' || f.endpoint === endpoint) &&
        (f.lipsyncId === undefined || lipsyncIds.includes(f.lipsyncId.toLowerCase())),
    );
    if (index < 0) return null;
    const fault = this.armed[index]!;
    fault.times -= 1;
    if (fault.times <= 0) this.armed.splice(index, 1);
    return { ...fault };
  }
}

/**
 * DRF throttling's wording (singular for 1, as DRF's ngettext), with the wait taken from
 * the Retry-After value (none: DRF's words without a wait). The throttle and the faults
 * both answer with it.
 */
export function throttledDetail(retryAfter: string | null): string {
  if (retryAfter === null) return 'Request was throttled.';
  let seconds = Number(retryAfter);
  if (!Number.isFinite(seconds)) {
    const date = Date.parse(retryAfter);
    seconds = Number.isNaN(date) ? 1 : Math.max(0, Math.ceil((date - Date.now()) / 1000));
  }
  return `Request was throttled. Expected available in ${seconds} second${seconds === 1 ? '' : 's'}.`;
}

/** Django's default error page body: clients must cope with a non-JSON 5xx. */
export function serverErrorHtml(status: number): string {
  const titles: Record<number, string> = {
    500: 'Server Error (500)',
    502: '502 Bad Gateway',
    503: '503 Service Unavailable',
    504: '504 Gateway Time-out',
  };
  const title = titles[status] ?? `${status} Error`;
  return `<!doctype html>\n<html lang="en">\n<head><title>${title}</title></head>\n<body><h1>${title}</h1><p></p></body>\n</html>\n`;
}
