import fs from 'node:fs';
import { formatSummary, runSoak, type SoakReport } from '../../scripts/chaos/soak';

// The chaos soak of `npm run chaos`, at 30 renders: dropped, duplicated, reordered and
// early webhooks, random 429/5xx/resets on every endpoint (before and after the work), two
// worker processes SIGKILLed and the SQLite-backed Temporal dev server restarted mid-run.
// Every render must end exactly once: done with the right URL, paid once, none left open.
// It brings its own dev server (the global one cannot be restarted) but reuses the
// global setup's workflow bundle.
//
// Where its time goes (≈40 s on 2 cores): ≈6 s to start the stack, then each crash costs
// the renders it hits up to ~10 s (a killed worker's activities wait out their heartbeat
// timeout, its workflows' next tasks the sticky queue's schedule-to-start timeout). So
// renders are short (~1 s) and the crashes come early, while 20 renders are still to
// start, instead of stretching the run one after another.
const RENDERS = 30;
const CONCURRENCY = 10;
/** Renders must be done well within this (they take ~30 s); the rest is start-up and collection. */
const BUDGET_MS = 90_000;

describe(`chaos soak (${RENDERS} renders)`, () => {
  let report: SoakReport | undefined;
  let workDir: string | undefined;

  afterAll(() => {
    // Logs, histories and the JSON report stay for a post-mortem when it failed (or with LIPSYNC_TEST_KEEP=1).
    if (workDir && report?.passed && !process.env.LIPSYNC_TEST_KEEP) fs.rmSync(workDir, { recursive: true, force: true });
  });

  test(
    'every render happens exactly once',
    async () => {
      const run = await runSoak({
        renders: RENDERS,
        seed: 7,
        concurrency: CONCURRENCY,
        // 205 s × 0.005: a render lasts ~1 s in the sandbox; webhook wait and poll cap scaled to it.
        timeFactor: 0.005,
        tracking: { webhookTimeout: '2 seconds', pollInitialInterval: '500 ms', pollMaxInterval: '2 seconds', deadline: '80 seconds' },
        // Kill, restart, kill at 5, 7 and 9 renders closed (their recoveries overlap the rest of the run).
        chaos: { chaosWindow: [0.15, 0.3] },
        budgetMs: BUDGET_MS,
        workflowBundlePath: process.env.TEST_WORKFLOW_BUNDLE,
        log: process.env.LIPSYNC_TEST_LOG ? (line) => console.log(`[chaos] ${line}`) : undefined,
      });
      report = run.report;
      workDir = run.workDir;
      if (!run.report.passed || process.env.LIPSYNC_TEST_LOG) console.log(formatSummary(run.report, run.reportPath));

      const { figures: f, chaos } = run.report;
      expect({ doneRightUrl: f.doneRightUrl, paidTwice: f.paidTwice, neverPaid: f.neverPaid, stillOpen: f.stillOpen }).toEqual({
        doneRightUrl: RENDERS,
        paidTwice: 0,
        neverPaid: 0,
        stillOpen: 0,
      });
      // The chaos was real: every crash struck with renders in flight, and the sandbox misbehaved.
      expect(chaos.events.map((e) => e.kind).sort()).toEqual(['temporal-restart', 'worker-sigkill', 'worker-sigkill']);
      expect(chaos.events.filter((e) => e.detail.startsWith('FAILED') || e.detail.startsWith('NOT DONE'))).toEqual([]);
      expect(chaos.events.filter((e) => e.inFlight < CONCURRENCY / 2)).toEqual([]);
      const w = chaos.webhooks;
      const apiFaults = Object.values(chaos.faultsInjected).reduce((a, b) => a + b, 0);
      expect({ dropped: w.dropped > 0, duplicated: w.duplicates > 0, earlyEnds: w.sentBeforeEnd > 0, apiFaults: apiFaults > 0 }).toEqual({
        dropped: true,
        duplicated: true,
        earlyEnds: true,
        apiFaults: true,
      });
      expect(chaos.unexpectedProcessExits).toEqual([]);
      expect(run.report.passed).toBe(true);
    },
    // Start-up (~6 s, more on a loaded machine) + the budget + settling and collecting the
    // figures (seconds; up to a minute if Temporal were unreachable) + stopping the processes.
    BUDGET_MS + 90_000,
  );
});

// The same soak against one Creatify drawn at every unknown (scripts/chaos/readings.ts,
// seed 343): an asynchronous preview that ends `pending` with a media job of its own and
// its preview link in `output` too, the media job kept
// by the render along with credits_used, and an updated_at that never moves (a render
// changes nothing on the record until its stage moves); the render answered 202 without
// its record; the running stage named `processing` and the end `completed`; a list in
// pages of 5, in reverse, without output or progress; a cap of 5 jobs refused with 400
// "try again later"; minimal webhooks as a JSON string holding the Python dict. No
// crashes here: the readings are the test.
describe('chaos soak against a drawn Creatify (readings 343, 20 renders)', () => {
  let workDir: string | undefined;
  let passed = false;

  afterAll(() => {
    if (workDir && passed && !process.env.LIPSYNC_TEST_KEEP) fs.rmSync(workDir, { recursive: true, force: true });
  });

  test(
    'every render happens exactly once',
    async () => {
      const run = await runSoak({
        renders: 20,
        seed: 343,
        readings: 343,
        concurrency: 10,
        timeFactor: 0.005,
        tracking: { webhookTimeout: '2 seconds', pollInitialInterval: '500 ms', pollMaxInterval: '2 seconds', deadline: '80 seconds' },
        chaos: { workerKills: 0, temporalRestarts: 0 },
        budgetMs: BUDGET_MS,
        workflowBundlePath: process.env.TEST_WORKFLOW_BUNDLE,
        log: process.env.LIPSYNC_TEST_LOG ? (line) => console.log(`[readings] ${line}`) : undefined,
      });
      workDir = run.workDir;
      passed = run.report.passed;
      if (!passed || process.env.LIPSYNC_TEST_LOG) console.log(formatSummary(run.report, run.reportPath));
      expect(run.report.config.readings?.settings).toMatchObject({ previewAsync: true, previewOutput: 'preview-link', listFields: 'summary', listPageSize: 5, updatedAt: 'created', runningStatusAs: 'processing', webhooks: { encoding: 'json-string' } });
      const f = run.report.figures;
      expect({ doneRightUrl: f.doneRightUrl, paidTwice: f.paidTwice, neverPaid: f.neverPaid, stillOpen: f.stillOpen }).toEqual({ doneRightUrl: 20, paidTwice: 0, neverPaid: 0, stillOpen: 0 });
    },
    BUDGET_MS + 90_000,
  );
});
