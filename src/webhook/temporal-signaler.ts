import type { Client } from '@temporalio/client';
import { webhookSignal } from '../contract/messages';
import { workflowIdFor } from '../contract/lipsync-id';
import type { Signaler } from './handler';

export interface TemporalSignalerOptions {
  /**
   * gRPC deadline of one Signal, retries included. Without one, the client retries an
   * unreachable server for a long time and the sender's request hangs; with it, the
   * sender gets a 503 it can retry. Default 3 s: the 503 must reach a sender that gives up after 5 s.
   */
  timeoutMs?: number;
}

export const DEFAULT_SIGNAL_TIMEOUT_MS = 3_000;

/**
 * A plain Signal, never Signal-with-Start: the delivery is unsigned, so a forged id must
 * not be able to create a workflow. A missing or closed workflow surfaces as the
 * client's WorkflowNotFoundError, which the handler answers with a 202.
 */
export function temporalSignaler(client: Client, options: TemporalSignalerOptions = {}): Signaler {
  const timeoutMs = options.timeoutMs ?? DEFAULT_SIGNAL_TIMEOUT_MS;
  return {
    async signal(lipsyncId, hint) {
      const handle = client.workflow.getHandle(workflowIdFor(lipsyncId));
      await client.withDeadline(Date.now() + timeoutMs, () => handle.signal(webhookSignal, hint));
    },
  };
}
