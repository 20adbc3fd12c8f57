/**
 * One reading of the Creatify balance (GET /api/remaining_credits/) shared by the credits
 * checks a worker makes within a short window, with local reservations: 1,000 renders
 * started at once make a handful of balance reads, not 1,000 (a 429 storm), and renders
 * checked on the same reading cannot together pass a balance that covers only some of them.
 *
 * A check reuses the reading without a request only while all of these hold: it is
 * younger than the max age, it says a balance (not null), and after reserving this render
 * there is room for one more of the same cost (`remaining - reserved - cost >= cost`).
 * Otherwise the check reads afresh (one request shared by the checks that need it at the
 * same moment), and the new reading starts with nothing reserved. So a cached reading only
 * ever lets a render through, and with room to spare; a render is refused only on a read
 * made while it was being checked.
 *
 * Limits: a fresh read does not see renders that passed on the previous reading but have
 * not been POSTed yet (their reservations end with that reading), and spending outside
 * this worker within the max age is seen only on the next fresh read. Creatify's own
 * "Insufficient credits" refusal of the POST remains the authority.
 *
 * Held by the activities a worker creates (one per worker, so one per worker process in
 * production; tests run several workers against different sandboxes in one process).
 * No I/O of its own: the read is given.
 */

export interface BalanceReading {
  /** What Creatify said; null: it offers no balance (kept only while the request is in flight). */
  remaining: number | null;
  /** When the request was sent (ms): its age counts from then. */
  readAt: number;
  /** Estimates of the renders that passed a check on this reading. */
  reserved: number;
}

/** What one check got: the balance it may rely on, and its reservation on it. */
export interface BalanceHold {
  /** The reading minus what other renders reserved on it; null when Creatify did not say. */
  remaining: number | null;
  /** The reading itself. */
  read: number | null;
  /** Reserved on the reading by other renders before this check. */
  reservedByOthers: number;
  /** Age of the reading (ms); 0 for a read made for this check (fresh). */
  ageMs: number;
  fresh: boolean;
  /** This check's cost is reserved on the reading (the balance covered it). */
  reserved: boolean;
  /** Gives the reservation back: the check refused the render for another reason, or failed. Idempotent. */
  release(): void;
}

/** Whether a balance pays a render of this cost (the check refuses it otherwise). */
export function balanceCovers(remaining: number, cost: number): boolean {
  return remaining >= cost && remaining > 0;
}

export interface SharedBalanceOptions {
  /** A reading older than this is not reused (LIPSYNC_BALANCE_MAX_AGE); 0: every check reads its own. */
  maxAgeMs: number;
  /** The clock (tests give a fake one). */
  now?: () => number;
}

export class SharedBalance {
  private reading: BalanceReading | undefined;
  private inFlight: Promise<BalanceReading> | undefined;
  private readonly now: () => number;

  constructor(
    private readonly readBalance: () => Promise<number | null>,
    private readonly options: SharedBalanceOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /**
   * The balance for a render of `cost` credits, reserved on the reading when it covers
   * it. A local activity's retry may reserve a second time for the same render: that only
   * makes the reading run out of room sooner (an earlier fresh read), which is conservative.
   */
  async hold(cost: number): Promise<BalanceHold> {
    const cached = this.reading;
    if (cached && this.roomFor(cached, cost)) return this.reserve(cached, cost, false);
    return this.reserve(await this.readFresh(), cost, true);
  }

  private roomFor(reading: BalanceReading, cost: number): boolean {
    if (!(cost > 0) || reading.remaining === null) return false;
    if (!(this.now() - reading.readAt < this.options.maxAgeMs)) return false;
    return reading.remaining - reading.reserved - cost >= cost;
  }

  /** One request for every check that needs it now (with max age 0, one per check, shared by none). */
  private readFresh(): Promise<BalanceReading> {
    if (!(this.options.maxAgeMs > 0)) return this.readOnce();
    this.inFlight ??= this.readOnce()
      .then((reading) => {
        // A null one (no balance endpoint) is never reused (roomFor): the next check asks again, as before.
        this.reading = reading;
        return reading;
      })
      .finally(() => {
        this.inFlight = undefined;
      });
    return this.inFlight;
  }

  private async readOnce(): Promise<BalanceReading> {
    const readAt = this.now();
    return { remaining: await this.readBalance(), readAt, reserved: 0 };
  }

  /** Synchronous from the decision to the reservation: no other check can slip in between. */
  private reserve(reading: BalanceReading, cost: number, fresh: boolean): BalanceHold {
    const others = reading.reserved;
    const remaining = reading.remaining === null ? null : reading.remaining - others;
    const reserved = remaining !== null && cost > 0 && balanceCovers(remaining, cost);
    if (reserved) reading.reserved += cost;
    let released = !reserved;
    return {
      remaining,
      read: reading.remaining,
      reservedByOthers: others,
      ageMs: fresh ? 0 : Math.max(0, this.now() - reading.readAt),
      fresh,
      reserved,
      release: () => {
        if (released) return;
        released = true;
        reading.reserved -= cost;
      },
    };
  }
}
