import { parseDelivery } from '../../src/webhook/delivery';

const ID = '3c90c3cc-0d44-4b50-8888-8dd25736052a';
const at = new Date('2026-11-29T12:00:00Z');
const parse = (text: string) => parseDelivery(Buffer.from(text), at);

describe('a delivery as form fields (§13.9: the payload is documented only as a Python dict)', () => {
  test('reads the fields as JSON would be read', () => {
    expect(parse(`id=${ID}&status=done&output=https%3A%2F%2Fx%2Fy.mp4&progress=1.00`)).toMatchObject({
      ok: true,
      hint: { id: ID, status: 'done', output: 'https://x/y.mp4', failedReason: null, progress: 1 },
    });
  });

  test.each(['null', 'None', 'undefined'])('a value written as "%s" (a missing value, as an encoder writes it) is absent, not a URL', (missing) => {
    const parsed = parse(`id=${ID}&status=done&output=${missing}&failed_reason=${missing}`);
    expect(parsed).toMatchObject({ ok: true, hint: { status: 'done', output: null, failedReason: null } });
  });

  test('no id: not a delivery', () => {
    expect(parse('status=done&output=x')).toMatchObject({ ok: false, reason: 'malformed-json' });
  });
});

describe('a delivery as Python prints the dict (§7, §13.9 show it so: single quotes, None)', () => {
  const repr = `{'id': '${ID}', 'status': 'done', 'failed_reason': None, 'output': 'https://x/it\\'s.mp4', 'progress': 1.0, 'meta': {'attempt': 1, 'tags': ('a', "b")}, 'ok': True}`;

  test('str(payload) posted as the body', () => {
    expect(parse(repr)).toMatchObject({ ok: true, hint: { id: ID, status: 'done', output: "https://x/it's.mp4", failedReason: null, progress: 1 } });
  });

  test('json=str(payload): a JSON string holding it', () => {
    expect(parse(JSON.stringify(repr))).toMatchObject({ ok: true, hint: { id: ID, status: 'done', output: "https://x/it's.mp4" } });
  });

  test("a Django model's dict: UUID('…') is its text, Decimal('…') its number, a datetime(…) null", () => {
    const text = `{'id': UUID('${ID}'), 'status': 'done', 'progress': Decimal('0.45'), 'updated_at': datetime.datetime(2026, 11, 29, 12, 0, tzinfo=datetime.timezone.utc), 'output': 'https://x/y.mp4', 'failed_reason': None}`;
    expect(parse(text)).toMatchObject({ ok: true, hint: { id: ID, status: 'done', output: 'https://x/y.mp4', progress: 0.45 } });
    // Still only literals: a call is read, never run, and an unclosed one is no literal.
    expect(parse(`{'id': UUID('${ID}', 'status': 'done'}`)).toMatchObject({ ok: false });
  });

  test('the zones a datetime names (pytz, zoneinfo, dateutil) and non-finite floats read as null, not as a refusal', () => {
    const text = `{'id': '${ID}', 'status': 'done', 'output': 'https://x/y.mp4', 'a': datetime.datetime(2026, 11, 29, tzinfo=<UTC>), 'b': datetime.datetime(2026, 11, 29, tzinfo=zoneinfo.ZoneInfo(key='UTC')), 'c': datetime.datetime(2026, 1, 1, tzinfo=tzutc()), 'progress': nan, 'd': inf, 'e': -inf}`;
    expect(parse(text)).toMatchObject({ ok: true, hint: { id: ID, status: 'done', output: 'https://x/y.mp4' } });
    // json.dumps writes NaN and Infinity, which JSON.parse refuses; null and true beside them.
    expect(parse(`{"id": "${ID}", "status": "failed", "failed_reason": "x", "progress": NaN, "duration": Infinity, "output": null, "ok": true}`)).toMatchObject({
      ok: true,
      hint: { status: 'failed', failedReason: 'x', output: null },
    });
    // Any repr in angle brackets is no value: read as none (the claim is checked by a GET), never run.
    expect(parse(`{'id': '${ID}', 'status': <function f at 0x7f>}`)).toMatchObject({ ok: true, hint: { status: null } });
  });

  test('a key `__proto__` is a field, as JSON.parse reads it (no prototype is set)', () => {
    const parsed = parse(`{'id': '${ID}', '__proto__': {'status': 'failed'}, 'status': 'done', 'output': 'https://x/y.mp4'}`);
    expect(parsed).toMatchObject({ ok: true, hint: { status: 'done', output: 'https://x/y.mp4' } });
  });

  test('escapes as Python writes them', () => {
    expect(parse(`{'id': '${ID}', 'status': 'failed', 'failed_reason': 'bad \\xe9 \\u00e9 line\\nnext \\\\ end', 'output': None}`)).toMatchObject({
      ok: true,
      hint: { status: 'failed', failedReason: 'bad é é line\nnext \\ end', output: null },
    });
  });

  test.each([
    [`{'id': '${ID}', 'status': 'done'`, 'unclosed'],
    [`{'id': '${ID}', 'status': __import__('os')}`, 'a call, not a literal'],
    [`{'id': '${ID}' 'status': 'done'}`, 'no comma'],
    [`{1: 'x'}`, 'a key that is not a string'],
    [`"just text"`, 'a JSON string that is no dict'],
  ])('%s: refused (%s)', (text) => {
    expect(parse(text)).toMatchObject({ ok: false });
  });
});

describe('a delivery in a shape the docs do not show (the payload is documented only by one example)', () => {
  test.each([
    ['an event envelope', { event: 'lipsync.completed', data: { id: ID, status: 'done', output: 'https://x/y.mp4' } }],
    ['a payload envelope', { payload: { id: ID, status: 'done', output: 'https://x/y.mp4' } }],
    ['the id as `lipsync_id`', { lipsync_id: ID, status: 'done', output: 'https://x/y.mp4' }],
    ['both', { type: 'lipsync', data: { lipsync_id: ID, status: 'done', output: 'https://x/y.mp4' } }],
  ])('%s is read as the flat delivery', (_label, body) => {
    expect(parse(JSON.stringify(body))).toMatchObject({ ok: true, hint: { id: ID, status: 'done', output: 'https://x/y.mp4' } });
  });

  test('the top level wins when it is a delivery (it has a status): an `id` beside a `data` field', () => {
    const other = '11111111-2222-4333-8444-555555555555';
    expect(parse(JSON.stringify({ id: ID, status: 'running', data: { id: other, status: 'done' } }))).toMatchObject({ ok: true, hint: { id: ID, status: 'running' } });
  });

  test("an event's own id beside no status (`{id: <event>, type, data: {...}}`): the record inside is the delivery", () => {
    const event = '11111111-2222-4333-8444-555555555555';
    expect(parse(JSON.stringify({ id: event, type: 'lipsync.done', data: { id: ID, status: 'done', output: 'https://x/y.mp4' } }))).toMatchObject({ ok: true, hint: { id: ID, status: 'done' } });
  });

  test("an envelope's own status beside no id (`{status: 'success', data: {...}}`): the record inside is the delivery", () => {
    expect(parse(JSON.stringify({ status: 'success', data: { id: ID, status: 'done', output: 'https://x/y.mp4' } }))).toMatchObject({ ok: true, hint: { id: ID, status: 'done', output: 'https://x/y.mp4' } });
  });

  test.each(['output_url', 'result_url', 'video_url', 'video_output'])('the video URL under `%s` (names other senders use) is the claim\'s URL', (key) => {
    expect(parse(JSON.stringify({ id: ID, status: 'done', [key]: 'https://x/y.mp4' }))).toMatchObject({ ok: true, hint: { id: ID, status: 'done', output: 'https://x/y.mp4' } });
  });

  test('form fields naming the id `lipsync_id`', () => {
    expect(parse(`lipsync_id=${ID}&status=done&output=https%3A%2F%2Fx%2Fy.mp4`)).toMatchObject({ ok: true, hint: { id: ID, status: 'done', output: 'https://x/y.mp4' } });
  });

  test.each([['null', { data: null }], ['an array', { data: [{ id: ID }] }], ['a string', { data: ID }]])('an envelope holding %s is no delivery, and nothing breaks', (_label, body) => {
    expect(parse(JSON.stringify(body))).toMatchObject({ ok: false });
  });

  test('form fields carrying the record as JSON in an envelope field (`data={...}`)', () => {
    const record = JSON.stringify({ id: ID, status: 'done', output: 'https://x/y.mp4' });
    expect(parse(`event=lipsync.done&data=${encodeURIComponent(record)}`)).toMatchObject({ ok: true, hint: { id: ID, status: 'done', output: 'https://x/y.mp4' } });
    expect(parse(JSON.stringify({ event: 'lipsync.done', data: record }))).toMatchObject({ ok: true, hint: { id: ID, status: 'done' } });
  });

  test('envelopes nested far deeper than any sender nests them are refused as a delivery, not unwound until the stack runs out', () => {
    const depth = 12_000;
    const text = '{"id":0,"data":'.repeat(depth) + JSON.stringify({ id: ID, status: 'done', output: 'https://x/y.mp4' }) + '}'.repeat(depth);
    expect(parse(text)).toMatchObject({ ok: false, reason: 'invalid-delivery' });
    // Two envelopes are still read.
    expect(parse(JSON.stringify({ data: { id: 'event-1', lipsync: { id: ID, status: 'done', output: 'https://x/y.mp4' } } }))).toMatchObject({ ok: true, hint: { id: ID } });
  });

  test('an envelope without an id anywhere is still refused, naming the id', () => {
    expect(parse(JSON.stringify({ data: { status: 'done' } }))).toMatchObject({ ok: false, reason: 'invalid-delivery', detail: expect.stringMatching(/id: is required/) });
  });
});
