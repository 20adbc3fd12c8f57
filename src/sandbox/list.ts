import type { JsonReply } from './http';
import type { Ledger } from './ledger';
import type { LipsyncRecord } from './record';
import { UUID_RE } from './request-schema';
import type { Store } from './store';

// GET /api/lipsyncs_v2/ (creatify-api.md §4.5): the `ids` filter and its DRF errors.

/** `?ids=` split once: trimmed, non-empty entries as given; null without the parameter. */
export function parseIds(url: URL): string[] | null {
  const raw = url.searchParams.get('ids');
  if (raw === null) return null;
  return raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

/** The well-formed ids among them, lower-cased and unique: for counting and fault matching before validation. */
export function wellFormedIds(ids: string[] | null): string[] {
  return [...new Set((ids ?? []).filter((id) => UUID_RE.test(id)).map((id) => id.toLowerCase()))];
}

export function listRecords(
  ctx: { store: Store; ledger: Ledger },
  ids: string[] | null,
  serialize: (r: LipsyncRecord) => Record<string, unknown>,
): JsonReply {
  if (ids === null) {
    const records = ctx.store.all();
    for (const record of records) ctx.ledger.countFor(record.id, 'list');
    return { status: 200, body: records.map(serialize) };
  }
  if (ids.length === 0) return { status: 400, body: { ids: ['This field may not be blank.'] } };
  if (ids.length > 100) return { status: 400, body: { ids: ['Maximum 100 entries allowed.'] } };
  const invalid = ids.find((id) => !UUID_RE.test(id));
  if (invalid !== undefined) return { status: 400, body: { ids: [`“${invalid}” is not a valid UUID.`] } };
  const wanted = new Set(ids.map((id) => id.toLowerCase()));
  // Unknown ids are silently left out ([I] creatify-api.md §15).
  const records = ctx.store.all().filter((r) => wanted.has(r.id));
  return { status: 200, body: records.map(serialize) };
}
