import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { loadCreatifyConfig, loadWebhookConfig } from '../../config';
import { previewWithWebhook } from '../../client/preview';
import { CreatifyClient, LipsyncRequest } from '../../creatify';
import { defineCommand, Flag, UsageError } from '../args';
import { ExitCode } from '../exit-codes';
import { writeLine } from '../io';
import { formatFields } from '../output';

export const previewCommand = defineCommand(
  {
    name: 'preview',
    group: 'renders',
    summary: 'create a Creatify preview from a JSON body, with our webhook URL; prints the lipsync id',
    synopsis: '<file.json>',
    details:
      'The file holds a lipsync create/preview body ({"video_inputs": [...], ...}); its webhook_url is replaced.\n' +
      'Needs CREATIFY_API_ID, CREATIFY_API_KEY, WEBHOOK_PUBLIC_URL and WEBHOOK_SECRET.\n' +
      'When stdout is not a terminal only the id is printed, so id=$(lipsync preview x.json) works.',
    positionals: ['file'],
    options: { json: { type: 'boolean', help: "print Creatify's lipsync record as JSON" } },
    schema: z.object({ file: z.string().min(1, 'must not be empty'), json: Flag }),
  },
  async (args, io) => {
    const body = await readRequestFile(args.file);
    // Only Creatify is involved: a preview works while Temporal is down.
    const creatifyConfig = loadCreatifyConfig(io.env);
    const webhook = loadWebhookConfig(io.env);
    const creatify = new CreatifyClient(creatifyConfig);
    try {
      const lipsync = await previewWithWebhook(creatify, webhook, body);
      if (args.json) writeLine(io.stdout, JSON.stringify(lipsync, null, 2));
      else if (!io.stdout.isTTY) writeLine(io.stdout, lipsync.id);
      else writeLine(io.stdout, formatFields([['lipsync id', lipsync.id], ['status', lipsync.status], ['preview', lipsync.preview]]));
      writeLine(io.stderr, `render it with: lipsync render ${lipsync.id} --wait`);
      return ExitCode.Ok;
    } finally {
      await creatify.close();
    }
  },
);

async function readRequestFile(file: string): Promise<LipsyncRequest> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${file} is not valid JSON: ${(err as Error).message}`);
  }
  const parsed = LipsyncRequest.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UsageError(`${file}: ${formatPath(issue.path) || 'body'}: ${issue.message}`);
  }
  return parsed.data;
}

/** `video_inputs[0].voice.input_text`: the way the field would be written in code. */
function formatPath(path: ReadonlyArray<PropertyKey>): string {
  return path.map((key, index) => (typeof key === 'number' ? `[${key}]` : `${index ? '.' : ''}${String(key)}`)).join('');
}
