import fs from 'node:fs';
import { formatSummary, runSoak, type SoakReport } from '../../scripts/chaos/soak';

// The chaos soak of `npm run chaos`, at 30 renders: dropped, duplicated, reordered and
// early webhooks, random 429/5xx/resets on every endpoint (before and after the work), two
// worker processes SIGKILLed and the SQLite-backed Temporal dev server restarted mid-run.
// Every render must end exactly once: done with the right URL, paid once, none left open.
// It brings its own dev server (the global one cannot be restarted) but reuses the
// global setup's workflow bundle.
describe('chaos soak (30 renders)', () => {
  let report: SoakReport | undefined;
  let workDir: string | undefined;

  afterAll(() => {
    // Logs and the JSON report stay for a post-mortem when it failed (or with LIPSYNC_TEST_KEEP=1).
    if (workDir && report?.passed && !process.env.LIPSYNC_TEST_KEEP) fs.rmSync(workDir, { recursive: true, force: true });
  });

  test('every render happens exactly once', async () => {
    const run = await runSoak({
      renders: 30,
      seed: 7,
      concurrency: 10,
      // A render lasts ~2 s in the sandbox: ten at a time, three waves, plus the crashes.
      timeFactor: 0.01,
      tracking: { webhookTimeout: '3 seconds', pollInitialInterval: '500 ms', pollMaxInterval: '5 seconds', deadline: '2 minutes' },
      budgetMs: 150_000,
      workflowBundlePath: process.env.TEST_WORKFLOW_BUNDLE,
      log: process.env.LIPSYNC_TEST_LOG ? (line) => console.log(`[chaos] ${line}`) : undefined,
    });
    report = run.report;
    workDir = run.workDir;
    const summary = formatSummary(run.report, run.reportPath);
    if (!run.report.passed || process.env.LIPSYNC_TEST_LOG) console.log(summary);

    const f = run.report.figures;
    expect(run.report.chaos.notApplied).toEqual([]);
    expect(run.report.chaos.events.map((e) => e.kind).sort()).toEqual(['temporal-restart', 'worker-sigkill', 'worker-sigkill']);
    expect(run.report.chaos.events.filter((e) => e.detail.startsWith('FAILED') || e.detail.startsWith('NOT DONE'))).toEqual([]);
    expect({ doneRightUrl: f.doneRightUrl, paidTwice: f.paidTwice, neverPaid: f.neverPaid, stillOpen: f.stillOpen }).toEqual({
      doneRightUrl: 30,
      paidTwice: 0,
      neverPaid: 0,
      stillOpen: 0,
    });
    expect(run.report.passed).toBe(true);
  }, 300_000);
});
