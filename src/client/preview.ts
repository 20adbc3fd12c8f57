import type { WebhookConfig } from '../config';
import type { CreatifyClient, Lipsync, LipsyncRequest } from '../creatify';
import { webhookUrl } from '../contract/webhook-url';

/**
 * Creatify calls only the webhook given at create/preview time, so every preview we make
 * carries ours (whatever the body said). Needs no Temporal.
 */
export function previewWithWebhook(creatify: CreatifyClient, webhook: WebhookConfig, body: LipsyncRequest): Promise<Lipsync> {
  return creatify.preview({ ...body, webhook_url: webhookUrl(webhook) });
}
