import { runWebhookUrlCommand } from '../src/webhook';
void runWebhookUrlCommand(process.argv.slice(2));
