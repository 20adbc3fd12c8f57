/**
 * The process chaos, on a schedule of progress rather than of time, so it lands mid-run
 * on a fast machine and a slow one alike: worker SIGKILLs and Temporal restarts spread
 * over the plan's window of renders closed. Steps run one after another (a restart never
 * overlaps a worker's start-up); each is recorded with what was in flight when it struck.
 */
import type { ChaosPlan } from './plan';
import type { ChaosStack } from './stack';

export interface ChaosEvent {
  kind: 'worker-sigkill' | 'temporal-restart' | 'receiver-sigkill';
  at: number;
  /** Renders closed when the step struck. */
  afterClosed: number;
  /** Renders started and not yet closed when the step struck: what it could hurt. */
  inFlight: number;
  detail: string;
}

interface ScheduledStep {
  kind: ChaosEvent['kind'];
  afterClosed: number;
  worker?: number;
}

/**
 * The plan's kills and restarts, interleaved (kill, restart, kill, …) and spread evenly
 * over `chaosWindow`; kills alternate between the workers.
 */
export function chaosSchedule(renders: number, plan: ChaosPlan, workers: number): ScheduledStep[] {
  const kinds: Array<ChaosEvent['kind']> = [];
  for (let kills = 0, restarts = 0; kills < plan.workerKills || restarts < plan.temporalRestarts; ) {
    // Keep the restarts' share even along the way: the next step is whichever is behind.
    const restartNext = restarts < plan.temporalRestarts && (kills >= plan.workerKills || (restarts + 1) / (plan.temporalRestarts + 1) <= (kills + 1) / (plan.workerKills + 1));
    kinds.push(restartNext ? 'temporal-restart' : 'worker-sigkill');
    if (restartNext) restarts++;
    else kills++;
  }
  const [from, to] = plan.chaosWindow;
  const at = (fraction: number) => Math.min(renders - 1, Math.max(1, Math.round(renders * fraction)));
  let kill = 0;
  const steps: ScheduledStep[] = kinds.map((kind, i) => {
    const afterClosed = at(kinds.length === 1 ? from : from + ((to - from) * i) / (kinds.length - 1));
    return kind === 'worker-sigkill' ? { kind, afterClosed, worker: kill++ % workers } : { kind, afterClosed };
  });
  // Receiver kills (none unless planned) go between the others, from the window's middle.
  for (let i = 0; i < (plan.receiverKills ?? 0); i++) steps.push({ kind: 'receiver-sigkill', afterClosed: at((from + to) / 2 + ((to - from) * i) / 10) });
  return steps.sort((a, b) => a.afterClosed - b.afterClosed);
}

/** Runs the schedule as renders close; `progress` is the run's live count. */
export class ChaosDriver {
  readonly events: ChaosEvent[] = [];
  private readonly pending: ScheduledStep[];
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly stack: ChaosStack,
    private readonly plan: ChaosPlan,
    renders: number,
    private readonly progress: { readonly closed: number; readonly inFlight: number },
    private readonly log: (line: string) => void,
  ) {
    this.pending = chaosSchedule(renders, plan, stack.workers.length);
  }

  /** Call after each render closes: queues every step now due. */
  onClosed(): void {
    while (this.pending.length > 0 && this.progress.closed >= this.pending[0]!.afterClosed) {
      const step = this.pending.shift()!;
      this.chain = this.chain.then(() => this.run(step));
    }
  }

  /** Waits for the steps under way; a step the run never reached is recorded as NOT DONE. */
  async finish(): Promise<ChaosEvent[]> {
    await this.chain;
    const { closed, inFlight } = this.progress;
    for (const step of this.pending.splice(0)) this.events.push({ kind: step.kind, at: Date.now(), afterClosed: closed, inFlight, detail: 'NOT DONE: the run ended first' });
    return this.events;
  }

  private async run(step: ScheduledStep): Promise<void> {
    const at = Date.now();
    const { closed, inFlight } = this.progress;
    const record = (detail: string) => {
      this.events.push({ kind: step.kind, at, afterClosed: closed, inFlight, detail });
      this.log(`chaos: ${detail} (${closed} closed, ${inFlight} in flight)`);
    };
    try {
      if (step.kind === 'receiver-sigkill') {
        await this.stack.beforeKill?.(this.stack.receiver.name);
        const { killedPid, newPid, downMs } = await this.stack.receiver.killAndRestart();
        record(`${this.stack.receiver.name}: SIGKILL pid ${killedPid}, restarted as pid ${newPid} (${downMs} ms)`);
      } else if (step.kind === 'worker-sigkill') {
        const worker = this.stack.workers[step.worker!]!;
        await this.stack.beforeKill?.(worker.name);
        const { killedPid, newPid, downMs } = await worker.killAndRestart();
        record(`${worker.name}: SIGKILL pid ${killedPid}, restarted as pid ${newPid} (${downMs} ms)`);
      } else {
        const { port } = await this.stack.restartTemporal(this.plan.temporalDownMs);
        record(`Temporal stopped and started again on port ${port}, its data kept (down ${Date.now() - at} ms)`);
      }
    } catch (err) {
      record(`FAILED: ${(err as Error).message}`);
    }
  }
}
