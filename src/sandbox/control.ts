import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import type { SandboxCore } from './core';
import { faultSchema } from './faults';
import { methodNotAllowed, notFound, parseJson, readBody } from './http';
import type { JsonReply } from './http';
import { serializeRecord } from './record';
import { UUID_RE } from './request-schema';
import { outcomeSchema, settingsPatchSchema } from './settings';

// The /_sandbox/ routes: no auth, JSON in and out. Tests drive and inspect the
// sandbox through these (see docs/sandbox-contract.md). The typed client for them is
// SandboxControl in control-client.ts.

export const lipsyncPatchSchema = z.strictObject({
  hold: z.boolean().optional(),
  outcome: outcomeSchema.optional(),
  failedReason: z.string().optional(),
  status: z.enum(['pending', 'in_queue', 'running', 'done', 'failed', 'rejected']).optional(),
  progress: z.number().min(0).max(1).optional(),
});

const creditsTopUpSchema = z.strictObject({ add: z.number().positive() });

type Handler = (core: SandboxCore, body: unknown, id?: string) => JsonReply;

const routes: Record<string, Partial<Record<string, Handler>>> = {
  '/_sandbox/reset': {
    POST: (core, body) => withBody(body, settingsPatchSchema, (patch) => ok(core.reset(patch))),
  },
  '/_sandbox/settings': {
    GET: (core) => ok(core.settings()),
    PATCH: (core, body) => withBody(body, settingsPatchSchema, (patch) => ok(core.patchSettings(patch))),
  },
  '/_sandbox/stats': { GET: (core) => ok(core.stats()) },
  '/_sandbox/credits': {
    POST: (core, body) => withBody(body, creditsTopUpSchema, ({ add }) => ok({ remaining: core.ledger.topUp(add) })),
  },
  '/_sandbox/faults': {
    GET: (core) => ok(core.faults.list()),
    POST: (core, body) =>
      withBody(body, faultSchema, (fault) => {
        core.faults.add(fault);
        return ok(fault);
      }),
    DELETE: (core) => {
      core.faults.clear();
      return ok({ cleared: true });
    },
  },
  '/_sandbox/lipsyncs/:id': {
    GET: (core, _body, id) => {
      const record = core.store.get(id!);
      return record ? ok(serializeRecord(record, core.settings())) : notFound();
    },
    PATCH: (core, body, id) =>
      withBody(body, lipsyncPatchSchema, (patch) => {
        const record = core.store.patch(id!, patch);
        return record ? ok(serializeRecord(record, core.settings())) : notFound();
      }),
    DELETE: (core, _body, id) => (core.store.delete(id!) ? ok({ deleted: true }) : notFound()),
  },
};

export async function handleControl(core: SandboxCore, req: IncomingMessage, url: URL): Promise<JsonReply> {
  const method = req.method ?? 'GET';
  const lipsync = /^\/_sandbox\/lipsyncs\/([^/]+)\/?$/.exec(url.pathname);
  const key = lipsync ? '/_sandbox/lipsyncs/:id' : url.pathname.replace(/\/$/, '');
  const table = routes[key];
  if (!table || (lipsync && !UUID_RE.test(lipsync[1]!))) return notFound();
  const handler = table[method];
  if (!handler) return methodNotAllowed(method, Object.keys(table));
  // Read the body up front: the handlers stay synchronous and simple.
  const text = method === 'GET' || method === 'DELETE' ? '' : await readBody(req);
  const parsed = parseJson(text);
  if (!parsed.ok) return { status: 400, body: { detail: `JSON parse error - ${parsed.message}` } };
  return handler(core, parsed.value, lipsync?.[1]?.toLowerCase());
}

function ok(body: unknown): JsonReply {
  return { status: 200, body };
}

function withBody<T>(body: unknown, schema: z.ZodType<T>, run: (value: T) => JsonReply): JsonReply {
  const result = schema.safeParse(body);
  if (!result.success) return { status: 400, body: { detail: z.prettifyError(result.error) } };
  try {
    return run(result.data);
  } catch (err) {
    // A patch valid on its own can still break a rule of the merged settings
    // (e.g. random fault chances adding up past 1): the caller's mistake, so a 400.
    if (err instanceof z.ZodError) return { status: 400, body: { detail: z.prettifyError(err) } };
    throw err;
  }
}
