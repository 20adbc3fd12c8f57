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

/** How this sandbox plays the list's undocumented parts: envelope, order, and how much of each record. */
export interface ListReading {
  listShape: 'array' | 'paginated';
  listPageSize: number | null;
  listOrder: 'newest' | 'asked' | 'reversed';
  listFields: 'full' | 'summary';
  listUnknownIds: 'omit' | 'refuse';
}

const SUMMARY_OMITS = ['output', 'video_output', 'video_thumbnail', 'progress'];

/** The page asked for (`?page=`) and the absolute link to another page, as DRF builds it from the request. */
export interface ListPaging {
  page: string | null;
  linkTo(page: number): string;
}

function answer(records: LipsyncRecord[], serialize: (r: LipsyncRecord) => Record<string, unknown>, reading: ListReading, paging: ListPaging): JsonReply {
  const items = records.map((record) => {
    const body = serialize(record);
    if (reading.listFields === 'summary') for (const key of SUMMARY_OMITS) delete body[key];
    return body;
  });
  if (reading.listShape === 'array') return { status: 200, body: items };
  const size = reading.listPageSize ?? Math.max(1, items.length);
  const pages = Math.max(1, Math.ceil(items.length / size));
  const page = paging.page === null ? 1 : Number(paging.page);
  if (!Number.isInteger(page) || page < 1 || page > pages) return { status: 404, body: { detail: 'Invalid page.' } };
  return {
    status: 200,
    body: {
      count: items.length,
      next: page < pages ? paging.linkTo(page + 1) : null,
      previous: page > 1 ? paging.linkTo(page - 1) : null,
      results: items.slice((page - 1) * size, page * size),
    },
  };
}

export function listRecords(
  ctx: { store: Store; ledger: Ledger },
  ids: string[] | null,
  serialize: (r: LipsyncRecord) => Record<string, unknown>,
  reading: ListReading,
  paging: ListPaging,
): JsonReply {
  if (ids === null) {
    const records = ctx.store.all();
    for (const record of records) ctx.ledger.countFor(record.id, 'list');
    return answer(records, serialize, reading, paging);
  }
  if (ids.length === 0) return { status: 400, body: { ids: ['This field may not be blank.'] } };
  if (ids.length > 100) return { status: 400, body: { ids: ['Maximum 100 entries allowed.'] } };
  const invalid = ids.find((id) => !UUID_RE.test(id));
  if (invalid !== undefined) return { status: 400, body: { ids: [`“${invalid}” is not a valid UUID.`] } };
  const asked = [...new Set(ids.map((id) => id.toLowerCase()))];
  // Unknown ids are silently left out ([I] creatify-api.md §15), or refuse the call.
  const byId = new Map(ctx.store.all().map((r) => [r.id, r]));
  const unknown = asked.find((id) => !byId.has(id));
  if (unknown !== undefined && reading.listUnknownIds === 'refuse') return { status: 400, body: { ids: [`Invalid pk "${unknown}" - object does not exist.`] } };
  let records = reading.listOrder === 'newest' ? ctx.store.all().filter((r) => asked.includes(r.id)) : asked.flatMap((id) => byId.get(id) ?? []);
  if (reading.listOrder === 'reversed') records = records.reverse();
  return answer(records, serialize, reading, paging);
}
