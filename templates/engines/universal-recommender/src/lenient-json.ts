import type { Json } from 'pio-deploy/engine';

/**
 * The JSON dialect PredictionIO's json4s-native parser reads query bodies in: commas are whitespace
 * (missing and trailing commas pass, `{"user": "u5" "from": 0}` is UR's own example), the colon
 * before a value may be omitted, numbers may start with `+` and have leading zeros, `1.` is a double,
 * and strings may hold raw control characters. Everything else (comments, single quotes, bare words,
 * `.5`, a string value right after a field name without a colon) is rejected as json4s rejects it.
 * Trailing content after the top-level value is rejected too (json4s would sometimes keep the last
 * value instead).
 */
export function parseLenientJson(text: string): Json {
  const parser = new LenientParser(text);
  const value = parser.value();
  parser.skipSeparators();
  if (!parser.atEnd()) parser.fail('unexpected content after the JSON value');
  return value;
}

class LenientParser {
  private pos = 0;

  constructor(private readonly text: string) {}

  atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  fail(message: string): never {
    throw new SyntaxError(`${message} at position ${this.pos}`);
  }

  /** Whitespace and commas: json4s's tokenizer skips both. */
  skipSeparators(): void {
    while (this.pos < this.text.length) {
      const c = this.text[this.pos];
      if (c === ' ' || c === '\n' || c === '\r' || c === '\t' || c === ',') this.pos++;
      else break;
    }
  }

  value(): Json {
    this.skipSeparators();
    if (this.atEnd()) this.fail('unexpected end of input');
    const c = this.text[this.pos]!;
    if (c === '{') return this.object();
    if (c === '[') return this.array();
    if (c === '"') return this.string();
    if (c === 't') return this.keyword('true', true);
    if (c === 'f') return this.keyword('false', false);
    if (c === 'n') return this.keyword('null', null);
    if (c === '-' || c === '+' || (c >= '0' && c <= '9')) return this.number();
    return this.fail(`unknown token ${c}`);
  }

  private keyword<T extends Json>(word: string, result: T): T {
    if (!this.text.startsWith(word, this.pos)) this.fail(`expected ${word}`);
    this.pos += word.length;
    return result;
  }

  private number(): number {
    const start = this.pos;
    this.pos++;
    while (this.pos < this.text.length && /[0-9.eE+-]/.test(this.text[this.pos]!)) this.pos++;
    const token = this.text.slice(start, this.pos);
    const isDouble = /[.eE]/.test(token);
    const pattern = isDouble ? /^[+-]?(\d+\.?\d*|\d*\.\d+)([eE][+-]?\d+)?$/ : /^[+-]?\d+$/;
    if (!pattern.test(token)) this.fail(`malformed number ${token}`);
    return Number(token);
  }

  private string(): string {
    this.pos++; // opening quote
    let result = '';
    for (;;) {
      if (this.atEnd()) this.fail('unterminated string');
      const c = this.text[this.pos++]!;
      if (c === '"') return result;
      if (c !== '\\') {
        result += c;
        continue;
      }
      const escape = this.text[this.pos++];
      switch (escape) {
        case '"':
        case '\\':
        case '/':
          result += escape;
          break;
        case 'b':
          result += '\b';
          break;
        case 'f':
          result += '\f';
          break;
        case 'n':
          result += '\n';
          break;
        case 'r':
          result += '\r';
          break;
        case 't':
          result += '\t';
          break;
        case 'u': {
          const hex = this.text.slice(this.pos, this.pos + 4);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('malformed \\u escape');
          result += String.fromCharCode(parseInt(hex, 16));
          this.pos += 4;
          break;
        }
        default:
          this.fail(`unknown escape \\${escape ?? ''}`);
      }
    }
  }

  private array(): Json[] {
    this.pos++;
    const items: Json[] = [];
    for (;;) {
      this.skipSeparators();
      if (this.atEnd()) this.fail('unterminated array');
      if (this.text[this.pos] === ']') {
        this.pos++;
        return items;
      }
      if (this.text[this.pos] === ':') this.fail('colon in an invalid position');
      items.push(this.value());
    }
  }

  private object(): { [key: string]: Json } {
    this.pos++;
    const result: { [key: string]: Json } = {};
    for (;;) {
      this.skipSeparators();
      if (this.atEnd()) this.fail('unterminated object');
      const c = this.text[this.pos];
      if (c === '}') {
        this.pos++;
        return result;
      }
      if (c !== '"') this.fail('expected a field name');
      const name = this.string();
      this.skipSeparators();
      let sawColon = false;
      while (this.text[this.pos] === ':') {
        sawColon = true;
        this.pos++;
        this.skipSeparators();
      }
      // Without a colon json4s reads a following string as another field name, which then fails.
      if (!sawColon && this.text[this.pos] === '"') this.fail(`expected a value for field ${name}`);
      if (this.text[this.pos] === '}') this.fail(`expected a value for field ${name}`);
      result[name] = this.value();
    }
  }
}
