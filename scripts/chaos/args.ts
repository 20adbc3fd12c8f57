/**
 * The command line of `npm run chaos` and `npm run soak`: the same soak options, their
 * checks and their usage errors (thrown; the caller prints them with its usage, exit 2).
 */
import { parseArgs } from 'node:util';

export interface SoakArgs {
  renders: number;
  seed: number;
  concurrency: number;
  timeFactor: number;
  budgetMs: number;
  out?: string;
  json: boolean;
  /** --readings SEED: a drawn Creatify (scripts/chaos/readings.ts). */
  readings?: number;
}

export function parseSoakArgs(defaults: { renders: string; budgetSeconds: string; out: boolean }, usage: string): SoakArgs {
  const { values } = parseArgs({
    options: {
      renders: { type: 'string', default: defaults.renders },
      seed: { type: 'string', default: '1' },
      concurrency: { type: 'string', default: '20' },
      'time-factor': { type: 'string', default: '0.02' },
      'budget-seconds': { type: 'string', default: defaults.budgetSeconds },
      ...(defaults.out ? { out: { type: 'string' as const } } : {}),
      readings: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  const int = (name: string, text: string, min: number) => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min}, got ${JSON.stringify(text)}`);
    return n;
  };
  const timeFactor = Number(values['time-factor']);
  if (!(timeFactor > 0)) throw new Error(`--time-factor must be a number > 0, got ${JSON.stringify(values['time-factor'])}`);
  const out = (values as { out?: string }).out;
  return {
    renders: int('renders', values.renders, 1),
    seed: int('seed', values.seed, 0),
    concurrency: int('concurrency', values.concurrency, 1),
    timeFactor,
    budgetMs: int('budget-seconds', values['budget-seconds'], 10) * 1000,
    ...(out !== undefined ? { out } : {}),
    ...(values.readings !== undefined ? { readings: int('readings', values.readings, 0) } : {}),
    json: values.json,
  };
}
