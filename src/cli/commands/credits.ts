/**
 * `lipsync credits`: the ledger the renders recorded (search attributes), by day and by
 * outcome, with the median time to done, webhook vs poll, and the balance Creatify
 * reports now.
 */
import type { Duration } from '@temporalio/common';
import { z } from 'zod';
import type { CreditsReport } from '../../client';
import { durationMs } from '../../contract/tracking-options';
import { defineCommand, Flag } from '../args';
import { withOrchestrator } from '../connect';
import { ExitCode } from '../exit-codes';
import { writeLine } from '../io';
import { formatElapsed } from '../live/format';
import { formatTable } from '../output';

/** "7d", "36h", "2 days": how far back. */
const SinceArg = z
  .string()
  .refine((value) => durationMs(value as Duration) > 0, 'not a duration (e.g. "7d", "36h", "30 days")')
  .transform((value) => new Date(Date.now() - durationMs(value as Duration)));

export const creditsCommand = defineCommand(
  {
    name: 'credits',
    group: 'renders',
    summary: 'credits by day and by outcome, median time to done, webhook vs poll, remaining credits',
    synopsis: '[--since D] [--json]',
    details:
      'Reads what every render recorded (search attributes LipsyncCreditsEstimate, LipsyncCreditsUsed,\n' +
      'LipsyncDetectedBy) through Temporal visibility, which can trail by a moment. Remaining credits come\n' +
      'from Creatify (GET /api/remaining_credits/) when CREATIFY_API_ID and CREATIFY_API_KEY are set.',
    positionals: [],
    options: {
      since: { type: 'string', value: 'D', help: 'renders started within this long (default 7d)' },
      json: { type: 'boolean', help: 'print the report as JSON' },
    },
    schema: z.object({ since: SinceArg.optional(), json: Flag }),
  },
  (args, io) =>
    withOrchestrator(io, async (orchestrator) => {
      const report = await orchestrator.credits({ since: args.since });
      writeLine(io.stdout, args.json ? JSON.stringify(report, null, 2) : formatReport(report));
      return ExitCode.Ok;
    }),
);

const credits = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1));

function formatReport(report: CreditsReport): string {
  const lines = [`credits since ${report.since.slice(0, 10)}: ${credits(report.total.creditsUsed)} used (estimated ${credits(report.total.creditsEstimated)}) over ${report.total.renders} render(s)`];
  lines.push(`remaining on the Creatify account: ${report.remainingCredits ?? 'unknown (Creatify not configured or not answering)'}`);
  if (report.total.renders === 0) return lines.join('\n');
  lines.push('', formatTable(['day', 'renders', 'credits used', 'estimated'], report.byDay.map((d) => [d.day, String(d.renders), credits(d.creditsUsed), credits(d.creditsEstimated)])));
  const outcomes = Object.entries(report.byOutcome).sort(([, a], [, b]) => b.renders - a.renders);
  lines.push('', formatTable(['outcome', 'renders', 'credits used', 'estimated'], outcomes.map(([status, b]) => [status, String(b.renders), credits(b.creditsUsed), credits(b.creditsEstimated)])));
  const detection = Object.entries(report.detectedBy).map(([how, d]) => `${how} ${Math.round(d.share * 100)}% (${d.renders})`);
  lines.push('', `median time to done: ${report.medianTimeToDoneMs === null ? 'no render done yet' : formatElapsed(report.medianTimeToDoneMs)}`);
  lines.push(`detected by: ${detection.length ? detection.join(', ') : 'no render ended with a ledger yet'}`);
  if (report.withoutLedger) lines.push(`${report.withoutLedger} render(s) started before the credits ledger existed have no credits recorded`);
  return lines.join('\n');
}
