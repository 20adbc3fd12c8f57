import { runWebhookServerCommand } from '../src/webhook';
runWebhookServerCommand(process.argv.slice(2)).then(() => console.log('resolved'), (e) => { console.error('rejected', e); process.exit(1); });
