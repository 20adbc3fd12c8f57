/** The soak's report as the lines `npm run chaos` prints: one per figure, the verdict last. */
import type { SoakReport } from './report';

/** A head line, one line per figure (✗ on a failed one), the renders with a problem, the verdict. */
export function formatSummary(report: SoakReport, reportPath?: string): string {
  const f = report.figures;
  const c = report.config;
  const lines: Array<[string, string]> = [];
  const mark = (ok: boolean) => (ok ? '' : '   ✗');
  if (f.expectedEnd === 'done') lines.push(['ended done with the right URL', `${f.doneRightUrl}/${f.renders}${mark(f.doneRightUrl === f.renders)}`]);
  else lines.push([`ended ${f.expectedEnd}, as set`, `${f.endedAsExpected}/${f.renders}${mark(f.endedAsExpected === f.renders)}`]);
  lines.push(['paid twice', `${f.paidTwice}${mark(f.paidTwice === 0)}`]);
  lines.push(['never paid', `${f.neverPaid}${mark(f.neverPaid === 0)}`]);
  lines.push(['still open', `${f.stillOpen}${mark(f.stillOpen === 0)}`]);
  lines.push([
    'sandbox end → workflow closed',
    f.endToCloseMs ? `p50 ${ms(f.endToCloseMs.p50)}, p95 ${ms(f.endToCloseMs.p95)} (max ${ms(f.endToCloseMs.max)}, n=${f.endToCloseMs.n})` : 'n/a (no render with both an end and a close)',
  ]);
  for (const [label, l] of [['start → render paid', f.startToPaidMs], ['start → workflow closed', f.startToCloseMs]] as const) {
    if (l) lines.push([label, `p50 ${ms(l.p50)}, p95 ${ms(l.p95)} (max ${ms(l.max)})`]);
  }
  const k = f.creatifyCallsPerRender;
  lines.push(['Creatify calls per render', `total ${k.total.mean} (max ${k.total.max}): render ${k.render.mean} (max ${k.render.max}), get ${k.get.mean} (max ${k.get.max}), list calls ${k.list.mean} (shared; the most-read render was in ${k.list.max})`]);
  const o = report.otherOutcomes;
  const failed = Object.entries(o.failed).map(([reason, n]) => `${reason} ${n}`);
  const others = [
    failed.length ? `failed: ${failed.join(', ')}` : '',
    o.wrongUrl ? `wrong URL ${o.wrongUrl}` : '',
    o.notStarted ? `not started ${o.notStarted}` : '',
    o.lost ? `lost ${o.lost}` : '',
    o.closedUnseen ? `closed, result unseen ${o.closedUnseen}` : '',
  ].filter(Boolean);
  lines.push(['other outcomes', others.length ? others.join('; ') : 'none']);
  lines.push(['detected by', Object.entries(report.detectedBy).map(([how, n]) => `${how} ${n}`).join(', ') || '—']);
  const w = report.chaos.webhooks;
  lines.push(['webhooks', `${w.attempts} deliveries: ${w.dropped} dropped, ${w.duplicates} duplicates, ${w.sentBeforeEnd} terminal before the end, ${w.refusedOrFailed} refused/failed at the receiver (answers: ${Object.entries(w.receiverAnswers).map(([a, n]) => `${a} ×${n}`).join(', ') || 'none'})${w.pendingAtEnd ? `, ${w.pendingAtEnd} still unsent at the end` : ''}`]);
  const faults = Object.entries(report.chaos.faultsInjected).reduce<Record<string, number>>((acc, [key, n]) => {
    const kind = key.split(' ')[0]!;
    acc[kind] = (acc[kind] ?? 0) + n;
    return acc;
  }, {});
  lines.push(['API faults injected', Object.entries(faults).map(([kind, n]) => `${kind} ${n}`).join(', ') || 'none']);
  const t = report.chaos.temporal;
  lines.push(['workflow tasks lost', `${t.workflowTaskTimeouts} timed out, ${t.workflowTaskFailures} failed (in the histories); completions re-run for a webhook that came meanwhile: ${t.completionsRaced}`]);
  for (const event of report.chaos.events) lines.push([event.kind, `${event.detail} (after ${event.afterClosed} closed, ${event.inFlight} in flight)`]);
  if (report.chaos.unexpectedProcessExits.length) lines.push(['unexpected exits', report.chaos.unexpectedProcessExits.join('; ')]);
  lines.push(['time', `set-up ${ms(report.timings.setupMs)}, renders ${ms(report.timings.runMs)}`]);
  if (reportPath) lines.push(['report', reportPath]);

  const width = Math.max(...lines.map(([label]) => label.length));
  const head = `chaos soak: ${c.renders} renders, seed ${c.seed}, concurrency ${c.concurrency}, time factor ${c.timeFactor}${c.readings ? `, readings ${c.readings.seed}` : ''}`;
  const body = lines.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`);
  const shown = report.problems.slice(0, 10).map((p) => `  ${p.id}: ${p.problems.join('; ')}`);
  if (report.problems.length > shown.length) shown.push(`  … and ${report.problems.length - shown.length} more in the report`);
  const verdict = report.passed
    ? `PASSED: ${f.renders}/${f.renders} ${f.expectedEnd === 'done' ? 'done with the right URL' : `ended ${f.expectedEnd}`}, 0 paid twice, 0 never paid, 0 still open`
    : 'FAILED: not every render happened exactly once';
  return [head, ...body, ...(shown.length ? ['renders with a problem:', ...shown] : []), verdict].join('\n');
}

function ms(value: number): string {
  return Math.abs(value) >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`;
}

