/**
 * `npm run chaos`: the chaos soak (not part of `npm test`; test/chaos runs a 30-render one).
 * Usage: npm run chaos -- [--renders 200] [--seed 1] [--concurrency 20] [--time-factor 0.02]
 *                         [--budget-seconds 600] [--out report.json] [--json]
 *                         [--readings SEED]: a Creatify drawn at every unknown (scripts/chaos/readings.ts)
 * Exit 0 only when every render ended done with the right URL, none was paid twice or
 * never, and none is still open; 1 otherwise (2 for a usage error).
 */
import fs from 'node:fs';
import { parseSoakArgs } from './chaos/args';
import { formatSummary, runSoak } from './chaos/soak';

const USAGE = 'usage: npm run chaos -- [--renders N] [--seed S] [--concurrency C] [--time-factor F] [--budget-seconds B] [--out FILE] [--json] [--readings SEED]';

function parse() {
  return parseSoakArgs({ renders: '200', budgetSeconds: '600', out: true }, USAGE);
}

async function main(): Promise<number> {
  let args: ReturnType<typeof parse>;
  try {
    args = parse();
  } catch (err) {
    process.stderr.write(`chaos: ${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const started = Date.now();
  const log = args.json ? () => undefined : (line: string) => process.stderr.write(`[chaos +${((Date.now() - started) / 1000).toFixed(1)}s] ${line}\n`);
  const { report, reportPath: written } = await runSoak({
    renders: args.renders,
    seed: args.seed,
    ...(args.readings !== undefined ? { readings: args.readings } : {}),
    concurrency: args.concurrency,
    timeFactor: args.timeFactor,
    budgetMs: args.budgetMs,
    log,
  });
  let reportPath = written;
  if (args.out) {
    fs.copyFileSync(written, args.out);
    reportPath = args.out;
  }
  if (args.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else process.stdout.write(`${formatSummary(report, reportPath)}\n`);
  return report.passed ? 0 : 1;
}

let interrupted = false;
process.once('SIGINT', () => {
  // Child processes are SIGKILLed by their exit hooks; the run's directory stays.
  interrupted = true;
  process.stderr.write('chaos: interrupted\n');
  process.exit(130);
});

main().then(
  (code) => process.exit(interrupted ? 130 : code),
  (err) => {
    process.stderr.write(`chaos: the soak could not run: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
