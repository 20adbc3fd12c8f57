/**
 * The balance reading a worker's credits checks share (src/activities/balance.ts): a fake
 * clock and a counting fake reader, then the credits check on it through
 * MockActivityEnvironment (reasons, balanceAgeMs, reservations given back).
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { createCreditsActivities } from '../../src/activities/credits';
import { toSnapshot } from '../../src/activities';
import { SharedBalance, balanceCovers, type BalanceHold } from '../../src/activities/balance';
import { CreatifyError, Lipsync } from '../../src/creatify';
import type { CreditsCheckOutcome } from '../../src/contract/activities';

const C = 4;

/** A reader that counts its calls and answers what `balance` says when `release()` lets it (or at once). */
function fakeReader(initial: number | null) {
  const reader = {
    balance: initial,
    reads: 0,
    manual: false,
    fail: undefined as Error | undefined,
    pending: [] as Array<() => void>,
    release() {
      for (const go of reader.pending.splice(0)) go();
    },
    read: async (): Promise<number | null> => {
      reader.reads++;
      if (reader.manual) await new Promise<void>((resolve) => reader.pending.push(resolve));
      if (reader.fail) throw reader.fail;
      return reader.balance;
    },
  };
  return reader;
}

function setup(initial: number | null, maxAgeMs = 500) {
  const clock = { now: 1_000_000 };
  const reader = fakeReader(initial);
  const balance = new SharedBalance(reader.read, { maxAgeMs, now: () => clock.now });
  return { clock, reader, balance };
}

/** Lets every pending promise callback run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('SharedBalance: one balance reading for the checks of a short window', () => {
  test('N concurrent checks that need a read share one request (single-flight)', async () => {
    const { reader, balance } = setup(1000);
    reader.manual = true;
    const holds = Array.from({ length: 10 }, () => balance.hold(C));
    await settle();
    expect(reader.reads).toBe(1);
    reader.release();
    const got = await Promise.all(holds);
    expect(reader.reads).toBe(1);
    expect(got.every((h) => h.fresh && h.reserved && h.ageMs === 0)).toBe(true);
    // Each relies on the reading less what the renders before it reserved.
    expect(got.map((h) => h.remaining)).toEqual(Array.from({ length: 10 }, (_, i) => 1000 - C * i));
  });

  test('within the max age and with room for one more, the reading is reused without a request', async () => {
    const { clock, reader, balance } = setup(100);
    const first = await balance.hold(C);
    clock.now += 300;
    const second = await balance.hold(C);
    expect(reader.reads).toBe(1);
    expect(first).toMatchObject({ fresh: true, ageMs: 0, remaining: 100, reserved: true });
    expect(second).toMatchObject({ fresh: false, ageMs: 300, remaining: 96, read: 100, reservedByOthers: C, reserved: true });
  });

  test('when reserving would leave no room for one more render of the cost, the check reads afresh (reservations reset)', async () => {
    // Room for 3: the 2nd is served by the reading, the 3rd is not (3C - 2C - C < C).
    const three = setup(3 * C);
    const holds = [await three.balance.hold(C), await three.balance.hold(C)];
    expect(three.reader.reads).toBe(1);
    holds.push(await three.balance.hold(C));
    expect(three.reader.reads).toBe(2);
    expect(holds.map((h) => h.fresh)).toEqual([true, false, true]);
    // No POST lowered the balance meanwhile: the fresh read shows it whole again (the documented limit).
    expect(holds[2]).toMatchObject({ remaining: 3 * C, reservedByOthers: 0, reserved: true });

    // Room for exactly 2: the reading never has room to spare, so every check reads; all pass.
    const two = setup(2 * C);
    const twice = [await two.balance.hold(C), await two.balance.hold(C), await two.balance.hold(C)];
    expect(two.reader.reads).toBe(3);
    expect(twice.every((h) => h.fresh && h.reserved && h.remaining === 2 * C)).toBe(true);
  });

  test('a reading as old as the max age is not reused', async () => {
    const { clock, reader, balance } = setup(1000);
    await balance.hold(C);
    clock.now += 499;
    expect((await balance.hold(C)).fresh).toBe(false);
    clock.now += 1;
    expect(await balance.hold(C)).toMatchObject({ fresh: true, remaining: 1000, reservedByOthers: 0 });
    expect(reader.reads).toBe(2);
  });

  test('a render is refused only on a fresh read: spending elsewhere shows when the reading runs out of room', async () => {
    const { reader, balance } = setup(10);
    expect(await balance.hold(C)).toMatchObject({ fresh: true, reserved: true, remaining: 10 });
    reader.balance = 3; // spent outside this worker
    const second = await balance.hold(C); // 10 - 4 - 4 < 4: reads afresh
    expect(reader.reads).toBe(2);
    expect(second).toMatchObject({ fresh: true, reserved: false, remaining: 3 });
    expect(balanceCovers(second.remaining!, C)).toBe(false);
  });

  test('property: no hold that the balance does not cover comes from a reused reading', async () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    const { clock, reader, balance } = setup(200, 500);
    const holds: Array<BalanceHold & { cost: number }> = [];
    for (let i = 0; i < 2_000; i++) {
      if (random() < 0.1) reader.balance = Math.floor(random() * 60);
      clock.now += Math.floor(random() * 200);
      const cost = [0, 1, 4, 8, 16][Math.floor(random() * 5)]!;
      const batch = await Promise.all(Array.from({ length: 1 + Math.floor(random() * 3) }, () => balance.hold(cost)));
      for (const h of batch) if (random() < 0.2) h.release();
      holds.push(...batch.map((h) => ({ ...h, cost })));
    }
    const refusedOnCache = holds.filter((h) => !h.fresh && !balanceCovers(h.remaining!, h.cost));
    expect(refusedOnCache).toEqual([]);
    expect(holds.some((h) => !h.fresh)).toBe(true);
    expect(holds.some((h) => h.fresh && h.remaining !== null && !h.reserved)).toBe(true);
  });

  test('max age 0: every check reads its own balance, concurrent ones too', async () => {
    const { reader, balance } = setup(1000, 0);
    await Promise.all([balance.hold(C), balance.hold(C), balance.hold(C)]);
    await balance.hold(C);
    expect(reader.reads).toBe(4);
  });

  test('a null reading (no balance endpoint) is shared while in flight, never kept', async () => {
    const { reader, balance } = setup(null);
    reader.manual = true;
    const holds = [balance.hold(C), balance.hold(C), balance.hold(C)];
    await settle();
    reader.release();
    expect((await Promise.all(holds)).map((h) => [h.remaining, h.reserved])).toEqual([[null, false], [null, false], [null, false]]);
    expect(reader.reads).toBe(1);
    reader.manual = false;
    await balance.hold(C);
    expect(reader.reads).toBe(2);
  });

  test('checks sharing one fresh read cannot together pass a balance that covers only some of them', async () => {
    const { reader, balance } = setup(2 * C);
    const got = await Promise.all([balance.hold(C), balance.hold(C), balance.hold(C)]);
    expect(reader.reads).toBe(1);
    expect(got.map((h) => [h.remaining, h.reserved])).toEqual([[2 * C, true], [C, true], [0, false]]);
    expect(got[2]!.fresh).toBe(true);
  });

  test('a released reservation is given back (once), and an unknown cost reads afresh and reserves nothing', async () => {
    const { reader, balance } = setup(100);
    const first = await balance.hold(C);
    first.release();
    first.release();
    expect(await balance.hold(C)).toMatchObject({ fresh: false, remaining: 100, reservedByOthers: 0 });
    expect(await balance.hold(0)).toMatchObject({ fresh: true, reserved: false, remaining: 100 });
    expect(reader.reads).toBe(2);
  });

  test('a failed read fails every check waiting on it and is not kept', async () => {
    const { reader, balance } = setup(100);
    reader.manual = true;
    reader.fail = new Error('429');
    const holds = [balance.hold(C), balance.hold(C)];
    await settle();
    reader.release();
    await expect(Promise.all(holds)).rejects.toThrow('429');
    reader.manual = false;
    reader.fail = undefined;
    expect(await balance.hold(C)).toMatchObject({ fresh: true, remaining: 100 });
    expect(reader.reads).toBe(2);
  });
});

describe('checkCredits on the shared reading (MockActivityEnvironment)', () => {
  const ID = '3c90c3cc-0d44-4b50-8888-8dd25736052a';
  // 20 s of video: 4 credits.
  const record = Lipsync.parse({ id: ID, status: 'done', duration: 20, credits_used: 1 });

  function activities(balance: () => number | null, maxAgeMs = 60_000) {
    const calls = { reads: 0 };
    const creatify = {
      get: async () => record,
      remainingCredits: async () => {
        calls.reads++;
        const remaining = balance();
        if (remaining === null) throw new CreatifyError({ kind: 'not-found', message: 'no such endpoint', status: 404 });
        return { remaining_credits: remaining };
      },
    };
    const created = createCreditsActivities(creatify as never, {
      creditBudgetPerDay: null,
      readRecord: async () => record,
      snapshotOf: toSnapshot,
      reconciler: false,
      balanceMaxAgeMs: maxAgeMs,
    });
    const env = new MockActivityEnvironment();
    const check = async () => {
      const outcome: CreditsCheckOutcome = await env.run(created.checkCredits, { lipsyncId: ID, workflowId: `lipsync-render-${ID}` });
      return outcome.check;
    };
    return { calls, check };
  }

  test('a shared reading says so in the reason and in balanceAgeMs; a fresh one is age 0', async () => {
    const { calls, check } = activities(() => 100);
    const first = await check();
    expect(first).toMatchObject({ fits: true, remaining: 100, balanceAgeMs: 0, reason: 'the render needs 4 credits; 100 remain' });
    const second = await check();
    expect(calls.reads).toBe(1);
    expect(second).toMatchObject({ fits: true, remaining: 96, balanceAgeMs: expect.any(Number) });
    expect(second.reason).toMatch(/^the render needs 4 credits; 96 remain \(read \d+\.\d s ago; 4 of 100 reserved by other renders checked on this reading\)$/);
  });

  test('the refusal on a fresh read keeps its wording; when the room runs short the check reads again', async () => {
    let balance = 9;
    const { calls, check } = activities(() => balance);
    expect(await check()).toMatchObject({ fits: true, remaining: 9 }); // 9 - 4 - 4 < 4: the next reads again
    balance = 2;
    const refused = await check();
    expect(calls.reads).toBe(2);
    expect(refused).toMatchObject({ fits: false, remaining: 2, balanceAgeMs: 0 });
    expect(refused.reason).toMatch(/needs 4 credits, 2 remain on the Creatify account$/);
  });

  test('no balance endpoint: the check passes on the budget alone, and the next reads again', async () => {
    const { calls, check } = activities(() => null);
    expect(await check()).toMatchObject({ fits: true, remaining: null, reason: 'the render needs 4 credits; the balance is not known' });
    await check();
    expect(calls.reads).toBe(2);
  });
});
