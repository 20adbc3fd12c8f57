/**
 * After the renders: let the last webhook deliveries land, then ask Temporal about every
 * workflow the harness started (its status, and what its history says the crashes cost);
 * the histories worth a post-mortem are saved as JSON, since the SQLite file goes.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { historyToJSON, type History } from '@temporalio/common/lib/proto-utils';
import type { RunningSandbox } from '../../src/sandbox';
import { sleep } from './processes';
import type { RenderRecord } from './track';
import { retrying } from './track';

/** temporal.api.enums.v1.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND */
const UNHANDLED_COMMAND = 1;

export interface ExecutionInfo {
  status: string;
  closeTime: number | null;
}

/**
 * What each workflow's (last run's) history says the crashes cost. An activity attempt
 * lost with a killed worker does not show here (retried attempts leave no event); its
 * heartbeat timeout shows in the start → paid / closed latencies instead.
 */
export interface HistoryFacts {
  events: number;
  workflowTaskTimeouts: number;
  /** Failed workflow tasks but for the benign UnhandledCommand ones (a non-determinism error, say). */
  workflowTaskFailures: number;
  /** A completion refused because a signal (a late webhook copy) came meanwhile: the task is simply run again. */
  completionsRaced: number;
  /** The first few workflow task failures' messages (UnhandledCommand ones excluded). */
  workflowTaskFailureMessages: string[];
  /** Where the history was saved, when it was kept. */
  file?: string;
}

export interface WorkflowFacts {
  execution: ExecutionInfo | null;
  history: HistoryFacts | null;
  /** The history itself, to save for a post-mortem (saveHistories). */
  raw: History | null;
}

/**
 * Waits (until `until`) for the sandbox to have sent every delivery it decided on, so
 * the webhook figures are whole and no late copy meets a receiver already stopped.
 */
export async function webhooksSettled(sandbox: RunningSandbox, until: number): Promise<number> {
  for (;;) {
    const { webhooksPending } = await sandbox.control.stats();
    if (webhooksPending === 0 || Date.now() > until) return webhooksPending;
    await sleep(100);
  }
}

/** Temporal's view of each started render, 10 at a time, retried (until `until`) while the server is unreachable. */
export async function inspectWorkflows(client: Client, records: RenderRecord[], until: number): Promise<Map<string, WorkflowFacts>> {
  const started = records.filter((r) => r.workflowId !== null);
  const out = new Map<string, WorkflowFacts>();
  const ask = <T>(call: () => Promise<T>) => retrying(call, until, (err) => (err as Error).name !== 'WorkflowNotFoundError').catch(() => null);
  let next = 0;
  await Promise.all(
    Array.from({ length: 10 }, async () => {
      while (next < started.length) {
        const record = started[next++]!;
        const handle = client.workflow.getHandle(record.workflowId!);
        const description = await ask(() => handle.describe());
        const execution = description && { status: description.status.name, closeTime: description.closeTime?.getTime() ?? null };
        const history = await ask(() => handle.fetchHistory());
        let facts: HistoryFacts | null = null;
        if (history) {
          const events = history.events ?? [];
          const failures = events.filter((e) => e.workflowTaskFailedEventAttributes);
          const failed = failures.filter((e) => e.workflowTaskFailedEventAttributes!.cause !== UNHANDLED_COMMAND);
          facts = {
            events: events.length,
            workflowTaskTimeouts: events.filter((e) => e.workflowTaskTimedOutEventAttributes).length,
            workflowTaskFailures: failed.length,
            completionsRaced: failures.length - failed.length,
            workflowTaskFailureMessages: failed
              .slice(0, 3)
              .map((e) => `${e.workflowTaskFailedEventAttributes!.cause ?? ''}: ${(e.workflowTaskFailedEventAttributes!.failure?.message ?? '').slice(0, 300)}`),
          };
        }
        out.set(record.id, { execution, history: facts, raw: history });
      }
    }),
  );
  return out;
}

/** Writes the histories of `ids` to `dir` as Temporal's JSON (what `temporal workflow show -o json` prints). */
export function saveHistories(workflows: Map<string, WorkflowFacts>, ids: Iterable<string>, dir: string): void {
  for (const id of ids) {
    const facts = workflows.get(id);
    if (!facts?.raw || !facts.history) continue;
    fs.mkdirSync(dir, { recursive: true });
    facts.history.file = path.join(dir, `lipsync-render-${id}.json`);
    fs.writeFileSync(facts.history.file, historyToJSON(facts.raw));
  }
}
