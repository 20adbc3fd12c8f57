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
