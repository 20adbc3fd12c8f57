import { heartbeat } from '@temporalio/activity';
import { CreatifyError, type CreatifyClient } from '../../src/creatify';

/** The bare workflows' Creatify calls: the tracker's HTTP client, without its judgement. */
export function bareActivities(creatify: CreatifyClient) {
  return {
    async getStatus(id: string): Promise<string> {
      return (await creatify.get(id)).status;
    },
    /** `heartbeatFirst`: the POST's time heartbeated before it goes out, as the tracker's exactly-once needs. */
    async render(id: string, heartbeatFirst = false): Promise<string> {
      if (heartbeatFirst) heartbeat({ postSentAt: Date.now() });
      try {
        return (await creatify.render(id))?.status ?? 'pending';
      } catch (err) {
        // A retried POST the sandbox refuses as a second render: the first one went through.
        if (err instanceof CreatifyError && err.status !== undefined && err.status >= 400 && err.status < 500) return 'rendering';
        throw err;
      }
    },
  };
}

export type BareActivities = ReturnType<typeof bareActivities>;
