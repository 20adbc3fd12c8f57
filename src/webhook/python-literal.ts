/**
 * A Python literal (what `str(dict)` prints) read as the JSON value it stands for.
 * creatify-api.md §7 and §13.9 show the webhook payload only as a Python dict,
 * `{'id': '…', 'status': 'done', 'failed_reason': None, 'output': '…'}`. A sender that
 * posts `str(payload)`, or `json=str(payload)`, sends exactly that text. Only literals
 * are read: dicts, lists, tuples, quoted strings, numbers, None, True and False, and
 * the reprs of the values a Django model dict holds beside them: `UUID('…')` is its
 * text, `Decimal('0.45')` its number, and a `datetime.datetime(…)` (and its kin, and the
 * zones they name) null, a value this reader has no use for; any other call is no literal. Anything else is not a literal, so the
 * result is undefined. Nothing is evaluated.
 */

/**
 * A bare literal (None, True, False, a number), matched where the reader stands; also
 * JSON's null/true/false and the non-finite floats (`nan`, `inf` as Python prints them,
 * `NaN`, `Infinity` as its json.dumps writes them, which JSON.parse refuses): read as null.
 */
const WORD = /None|True|False|null|true|false|-?(?:nan|inf|NaN|Infinity)\b|-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?/y;
/**
 * A repr of a constructed value a model dict holds: `UUID(`, `Decimal(`, `datetime.datetime(`,
 * and the time zones its datetimes name (`zoneinfo.ZoneInfo(key='UTC')`, dateutil's `tzutc()`); no other call.
 */
const CALL = /((?:uuid\.)?UUID|(?:decimal\.)?Decimal|(?:datetime\.)?(?:datetime|date|time|timedelta|timezone)|(?:zoneinfo\.)?ZoneInfo|(?:dateutil\.tz\.)?tzutc)\(/y;
/** A repr in angle brackets, as pytz prints a zone (`tzinfo=<UTC>`): read as null. */
const OPAQUE = /<[\w./: -]{1,64}>/y;
/** The time zone a datetime's repr names: `tzinfo=datetime.timezone.utc`. */
const UTC = /(?:datetime\.)?timezone\.utc|UTC/y;
/** `tzinfo=` inside a call's arguments. */
const KEYWORD = /[A-Za-z_]\w*=/y;

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '0': '\0', a: '\x07', b: '\b', f: '\f', v: '\v' };

class Reader {
  private at = 0;

  constructor(private readonly text: string) {}

  /** The whole text as one value, or undefined. */
  readAll(): unknown {
    const value = this.value(0);
    this.space();
    return this.at === this.text.length ? value : undefined;
  }

  private space(): void {
    while (this.at < this.text.length && /\s/.test(this.text[this.at]!)) this.at++;
  }

  private value(depth: number): unknown {
    if (depth > 20) throw new Error('too deep');
    this.space();
    const c = this.text[this.at];
    if (c === '{') return this.dict(depth);
    if (c === '[' || c === '(') return this.list(depth, c === '[' ? ']' : ')');
    if (c === "'" || c === '"') return this.string();
    CALL.lastIndex = this.at;
    const call = CALL.exec(this.text);
    if (call) return this.call(call[1]!, depth);
    for (const nothing of [UTC, OPAQUE]) {
      nothing.lastIndex = this.at;
      if (nothing.exec(this.text)) {
        this.at = nothing.lastIndex;
        return null;
      }
    }
    WORD.lastIndex = this.at;
    const word = WORD.exec(this.text);
    if (!word) throw new Error('not a literal');
    this.at = WORD.lastIndex;
    if (word[0] === 'True' || word[0] === 'true') return true;
    if (word[0] === 'False' || word[0] === 'false') return false;
    const number = Number(word[0]);
    // None, null, and a float no JSON value holds.
    return Number.isFinite(number) ? number : null;
  }

  private dict(depth: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    this.at++;
    for (;;) {
      this.space();
      if (this.text[this.at] === '}') break;
      const key = this.value(depth + 1);
      if (typeof key !== 'string') throw new Error('a key that is not a string');
      this.expect(':');
      // As JSON.parse does: a key `__proto__` is a field, not the object's prototype.
      Object.defineProperty(out, key, { value: this.value(depth + 1), enumerable: true, writable: true, configurable: true });
      if (!this.separator('}')) break;
    }
    this.expect('}');
    return out;
  }

  private list(depth: number, close: string): unknown[] {
    const out: unknown[] = [];
    this.at++;
    for (;;) {
      this.space();
      if (this.text[this.at] === close) break;
      out.push(this.value(depth + 1));
      if (!this.separator(close)) break;
    }
    this.expect(close);
    return out;
  }

  /** `UUID('…')` → its text, `Decimal('…')` → its number, a datetime (CALL's other names) → null. */
  private call(name: string, depth: number): unknown {
    this.at = CALL.lastIndex;
    const args: unknown[] = [];
    for (;;) {
      this.space();
      if (this.text[this.at] === ')') break;
      KEYWORD.lastIndex = this.at;
      if (KEYWORD.exec(this.text)) this.at = KEYWORD.lastIndex;
      args.push(this.value(depth + 1));
      if (!this.separator(')')) break;
    }
    this.expect(')');
    const [first] = args;
    if (name.endsWith('UUID') && typeof first === 'string') return first;
    if (name.endsWith('Decimal') && (typeof first === 'string' || typeof first === 'number')) {
      const number = Number(first);
      return Number.isFinite(number) ? number : null;
    }
    return null;
  }

  /** After an item: true when a comma says another may follow. */
  private separator(close: string): boolean {
    this.space();
    if (this.text[this.at] === ',') {
      this.at++;
      return true;
    }
    if (this.text[this.at] !== close) throw new Error(`expected , or ${close}`);
    return false;
  }

  private expect(char: string): void {
    this.space();
    if (this.text[this.at] !== char) throw new Error(`expected ${char}`);
    this.at++;
  }

  private string(): string {
    const quote = this.text[this.at++];
    let out = '';
    while (this.at < this.text.length) {
      const c = this.text[this.at++]!;
      if (c === quote) return out;
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = this.text[this.at++] ?? '';
      const hex = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
      if (hex > 0) {
        const digits = this.text.slice(this.at, this.at + hex);
        if (!/^[0-9a-fA-F]+$/.test(digits) || digits.length !== hex) throw new Error('bad escape');
        out += String.fromCodePoint(parseInt(digits, 16));
        this.at += hex;
      } else {
        out += ESCAPES[e] ?? `\\${e}`;
      }
    }
    throw new Error('unterminated string');
  }
}

export function readPythonLiteral(text: string): unknown {
  try {
    return new Reader(text).readAll();
  } catch {
    return undefined;
  }
}
