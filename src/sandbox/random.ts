/** A seedable source of numbers in [0, 1). */
export interface Random {
  next(): number;
}

/** mulberry32: tiny, fast and good enough for jitter and coin flips. */
export function mulberry32(seed: number): Random {
  let state = seed >>> 0;
  return {
    next() {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
    },
  };
}

/**
 * One independent stream per record (the nth record created since start or reset),
 * so what happens to one lipsync does not depend on how its timers interleave with
 * another's: the same seed replays the same drops and jitter per record.
 */
export function streamFor(seed: number, index: number): Random {
  return mulberry32(Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 1, 0xc2b2ae35));
}

/**
 * The stream random faults draw from: the sandbox seed alone, mixed differently from
 * the per-record streams so a chaos run does not shift any record's drops or jitter.
 */
export function faultStream(seed: number): Random {
  return mulberry32(Math.imul(seed ^ 0x5bd1e995, 0x27d4eb2d) ^ 0x1b873593);
}
