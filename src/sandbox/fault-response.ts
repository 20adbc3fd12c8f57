import type { ServerResponse } from 'node:http';
import type { ArmedFault } from './faults';
import { serverErrorHtml, throttledDetail } from './faults';
import { dropConnection, sendJson, sendText } from './http';
import type { JsonReply } from './http';
import type { Timers } from './timers';

// What a fault does to one request's answer, before or after the request is processed.

/** One fault hitting one request, armed or drawn at random. */
export interface FaultHit {
  kind: ArmedFault['kind'];
  after: boolean;
  status: ArmedFault['status'];
  /** For `refused`; absent: 403. */
  refusedStatus?: ArmedFault['refusedStatus'];
  retryAfter: string | null;
  delayMs: number;
  /** The armed fault's lipsync id, if it was bound to one. */
  lipsyncId?: string;
  random: boolean;
}

/**
 * Before processing: answers (or kills) the request and returns the status sent,
 * 0 for a destroyed socket; null when the request should go on (slow).
 */
export async function faultBefore(fault: FaultHit, res: ServerResponse, timers: Timers): Promise<number | null> {
  switch (fault.kind) {
    case 'slow':
      await timers.sleep(fault.delayMs);
      return null;
    case 'hang':
      // A timeout before any work: the client waits, then sees the connection die.
      await timers.sleep(fault.delayMs);
      dropConnection(res);
      return 0;
    default:
      return failAnswer(fault, res);
  }
}

/** After processing: the real answer `answer` is delayed, replaced or never sent. */
export async function faultAfter(
  fault: FaultHit,
  res: ServerResponse,
  timers: Timers,
  answer: JsonReply,
): Promise<number> {
  if (fault.kind === 'slow' || fault.kind === 'hang') await timers.sleep(fault.delayMs);
  if (fault.kind !== 'slow') return failAnswer(fault, res);
  sendJson(res, answer);
  return answer.status;
}

/** DRF's own words for each refusal. */
const REFUSED_DETAIL: Record<number, string> = {
  401: 'Invalid token.',
  403: 'You do not have permission to perform this action.',
  404: 'Not found.',
};

function failAnswer(fault: FaultHit, res: ServerResponse): number {
  switch (fault.kind) {
    case 'rate-limit':
      sendJson(res, {
        status: 429,
        body: { detail: throttledDetail(fault.retryAfter) },
        headers: fault.retryAfter === null ? {} : { 'retry-after': fault.retryAfter },
      });
      return 429;
    case 'server-error':
      sendText(res, fault.status, 'text/html; charset=utf-8', serverErrorHtml(fault.status));
      return fault.status;
    case 'refused': {
      const status = fault.refusedStatus ?? 403;
      sendJson(res, { status, body: { detail: REFUSED_DETAIL[status] } });
      return status;
    }
    default:
      // reset, lost-response, hang: the socket dies without a response byte.
      dropConnection(res);
      return 0;
  }
}
