import { javaDoubleToString } from '../../lib/java-number.js';
import type { JsonObject, JsonValue } from '../storage/index.js';
import { JSON_LIMITS, jsonLimitExceeded } from './json-limits.js';

/**
 * JSON the way PredictionIO's json4s sees it (BEHAVIOUR.md#json-parsing): integers and doubles are distinct, integers
 * keep full precision, doubles re-render with Java's `Double.toString` (`5.0`, `1.0E-4`). `JSON.parse`
 * loses both distinctions, so numbers it cannot represent faithfully are kept as `JsonNumber` tokens.
 *
 * `parseJson` is fast in the common case: the text goes through `JSON.parse`, and only when a cheap scan
 * finds a number token with a fraction, an exponent or 16+ digits is it re-parsed losslessly. Text that
 * `JSON.parse` refuses is read as json4s-native reads it (`Json4sDialectParser`): upstream's parser
 * takes commas for whitespace, so `{"user": "u5" "from": 0}` is a query PredictionIO answers.
 */

/** A number token kept as written, for values `JSON.parse` would render differently than json4s. */
export class JsonNumber {
  constructor(readonly source: string) {}

  /** json4s: a token without fraction or exponent is an integer (`JInt`), anything else a double. */
  get isInteger(): boolean {
    return !/[.eE]/.test(this.source);
  }

  toNumber(): number {
    return Number(this.source);
  }

  /** The text json4s renders for this value (`JInt` → BigInt digits, `JDouble` → `Double.toString`). */
  toJson4s(): string {
    return this.isInteger ? BigInt(this.source).toString() : javaDoubleToString(Number(this.source));
  }
}

/** A parsed JSON value in which some numbers may be `JsonNumber` tokens. */
export type JsonNode = null | boolean | number | string | JsonNumber | JsonNode[] | { [key: string]: JsonNode };

/** Thrown for text that is not JSON; the message is `JSON.parse`'s. */
export class JsonSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JsonSyntaxError';
  }
}

/**
 * A number token that JSON.parse would not keep faithfully: with a fraction or an exponent, or with
 * 16+ digits. A JSON number is always preceded by `:`, `,`, `[` (or starts the text) and followed by
 * `,`, `}`, `]` (or ends it), optionally with whitespace; a match inside a string only costs a slow parse.
 */
const UNFAITHFUL_NUMBER =
  /(?:^|[:,[])[ \t\r\n]*-?(?:\d+\.\d+(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+|\d{16,})[ \t\r\n]*(?:[,}\]]|$)/;

/**
 * True when `text` may hold a number token that `JSON.parse` would not keep faithfully (`4.0`, `1e2`,
 * 16+ digits): then only the lossless parser gives json4s' value. False guarantees `JSON.parse` is exact.
 */
export function mayHoldUnfaithfulNumber(text: string): boolean {
  return UNFAITHFUL_NUMBER.test(text);
}

/**
 * Containers nested deeper than this are refused (json4s itself has no limit, but overflows its stack far
 * below what `JSON.parse` takes), so no walk over a parsed tree can overflow: the scan before parsing and
 * the dialect parser itself both enforce it.
 */
export const MAX_JSON_DEPTH = JSON_LIMITS.maxDepth;

export function parseJson(text: string): JsonNode {
  return parseJsonTracked(text).node;
}

/** `parseJson`, also telling whether the tree is plain (holds no `JsonNumber`), which saves a walk. */
export function parseJsonTracked(text: string): { node: JsonNode; plain: boolean } {
  refuseOverLimits(text);
  let node: JsonNode;
  try {
    node = JSON.parse(text) as JsonNode;
  } catch (error) {
    return new Json4sDialectParser(text, (error as Error).message).parseDocument();
  }
  if (!mayHoldUnfaithfulNumber(text)) return { node, plain: true };
  node = new LosslessParser(text).parseDocument();
  return { node, plain: isPlain(node) };
}

/**
 * Plain JSON values (numbers as JS numbers) from text, in the same dialect and within the same limits as
 * `parseJson`: for engine queries, whose schemas read JS numbers (so `1.0` and `1` are the same value there).
 */
export function parseJsonValue(text: string): JsonValue {
  refuseOverLimits(text);
  try {
    return JSON.parse(text) as JsonValue;
  } catch (error) {
    const { node, plain } = new Json4sDialectParser(text, (error as Error).message).parseDocument();
    return plain ? (node as JsonValue) : toPlainJson(node);
  }
}

function refuseOverLimits(text: string): void {
  const excess = jsonLimitExceeded(text);
  if (excess !== undefined) throw new JsonSyntaxError(excess);
}

/** True for a JSON object (not null, not an array, not a number token). */
export function isJsonObjectNode(node: JsonNode | undefined): node is { [key: string]: JsonNode } {
  return typeof node === 'object' && node !== null && !Array.isArray(node) && !(node instanceof JsonNumber);
}

/** Plain JSON values (number tokens become JS numbers), for code that reads property values. */
export function toPlainJson(node: JsonNode): JsonValue {
  if (node instanceof JsonNumber) return node.toNumber();
  if (Array.isArray(node)) return node.map(toPlainJson);
  if (typeof node === 'object' && node !== null) {
    const result: JsonObject = {};
    for (const key of Object.keys(node)) setMember(result, key, toPlainJson(node[key] as JsonNode));
    return result;
  }
  return node;
}

/** True when the tree holds no `JsonNumber`, i.e. `JSON.stringify` renders it as json4s does. */
export function isPlain(node: JsonNode): boolean {
  if (node instanceof JsonNumber) return false;
  if (Array.isArray(node)) return node.every(isPlain);
  if (typeof node === 'object' && node !== null) return Object.keys(node).every((key) => isPlain(node[key] as JsonNode));
  return true;
}

/** Compact JSON text as json4s renders it (number tokens in their json4s form). */
export function renderJson(node: JsonNode): string {
  if (isPlain(node)) return JSON.stringify(node);
  return renderNode(node);
}

function renderNode(node: JsonNode): string {
  if (node instanceof JsonNumber) return node.toJson4s();
  if (Array.isArray(node)) return `[${node.map(renderNode).join(',')}]`;
  if (typeof node === 'object' && node !== null) {
    const members = Object.keys(node).map((key) => `${JSON.stringify(key)}:${renderNode(node[key] as JsonNode)}`);
    return `{${members.join(',')}}`;
  }
  return JSON.stringify(node);
}

/**
 * json4s' debug form of a value (`JBool(true)`, `JArray(List(JInt(1)))`), used in its mapping error
 * messages (`Do not know how to convert JBool(true) into class java.lang.String`).
 */
export function json4sDebugString(node: JsonNode): string {
  if (node === null) return 'JNull';
  if (typeof node === 'boolean') return `JBool(${node})`;
  if (typeof node === 'string') return `JString(${node})`;
  if (typeof node === 'number') return Number.isInteger(node) ? `JInt(${node})` : `JDouble(${javaDoubleToString(node)})`;
  if (node instanceof JsonNumber) return node.isInteger ? `JInt(${node.toJson4s()})` : `JDouble(${node.toJson4s()})`;
  if (Array.isArray(node)) return `JArray(List(${node.map(json4sDebugString).join(', ')}))`;
  const fields = Object.keys(node).map((key) => `(${key},${json4sDebugString(node[key] as JsonNode)})`);
  return `JObject(List(${fields.join(', ')}))`;
}

/** Assigns an own member, also for the key `__proto__` (which plain assignment would treat as the prototype). */
function setMember<T>(target: { [key: string]: T }, key: string, value: T): void {
  if (key === '__proto__') {
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    target[key] = value;
  }
}

/** Recursive-descent parser keeping number tokens; only runs on text JSON.parse already accepted. */
class LosslessParser {
  private pos = 0;

  constructor(private readonly text: string) {}

  parseDocument(): JsonNode {
    const value = this.parseValue();
    this.skipWhitespace();
    if (this.pos !== this.text.length) this.fail('Unexpected non-whitespace character after JSON');
    return value;
  }

  private fail(message: string): never {
    throw new JsonSyntaxError(`${message} at position ${this.pos}`);
  }

  private skipWhitespace(): void {
    const text = this.text;
    while (this.pos < text.length) {
      const code = text.charCodeAt(this.pos);
      if (code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09) this.pos++;
      else break;
    }
  }

  private parseValue(): JsonNode {
    this.skipWhitespace();
    const char = this.text[this.pos];
    switch (char) {
      case '{':
        return this.parseObject();
      case '[':
        return this.parseArray();
      case '"':
        return this.parseString();
      case 't':
        return this.literal('true', true);
      case 'f':
        return this.literal('false', false);
      case 'n':
        return this.literal('null', null);
      default:
        return this.parseNumber();
    }
  }

  private literal<T extends JsonNode>(word: string, value: T): T {
    if (!this.text.startsWith(word, this.pos)) this.fail('Unexpected token');
    this.pos += word.length;
    return value;
  }

  private parseObject(): JsonNode {
    this.pos++; // {
    const result: { [key: string]: JsonNode } = {};
    this.skipWhitespace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return result;
    }
    for (;;) {
      this.skipWhitespace();
      if (this.text[this.pos] !== '"') this.fail("Expected property name or '}'");
      const key = this.parseString();
      this.skipWhitespace();
      if (this.text[this.pos] !== ':') this.fail("Expected ':' after property name");
      this.pos++;
      setMember(result, key, this.parseValue());
      this.skipWhitespace();
      const next = this.text[this.pos++];
      if (next === '}') return result;
      if (next !== ',') this.fail("Expected ',' or '}' after property value");
    }
  }

  private parseArray(): JsonNode {
    this.pos++; // [
    const result: JsonNode[] = [];
    this.skipWhitespace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return result;
    }
    for (;;) {
      result.push(this.parseValue());
      this.skipWhitespace();
      const next = this.text[this.pos++];
      if (next === ']') return result;
      if (next !== ',') this.fail("Expected ',' or ']' after array element");
    }
  }

  private parseString(): string {
    const start = this.pos;
    this.pos++; // opening quote
    const text = this.text;
    while (this.pos < text.length) {
      const code = text.charCodeAt(this.pos);
      if (code === 0x22) {
        this.pos++;
        return JSON.parse(text.slice(start, this.pos)) as string;
      }
      this.pos += code === 0x5c ? 2 : 1;
    }
    return this.fail('Unterminated string in JSON');
  }

  private parseNumber(): JsonNode {
    const match = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
    match.lastIndex = this.pos;
    const found = match.exec(this.text);
    if (!found || found[0] === '' || found[0] === '-') this.fail('Unexpected token');
    this.pos += found[0].length;
    const source = found[0];
    const value = Number(source);
    const isInteger = !/[.eE]/.test(source);
    // Safe integers render identically both ways; everything else keeps its token.
    if (isInteger && Number.isSafeInteger(value)) return value === 0 ? 0 : value;
    if (!isInteger && !Number.isFinite(value)) this.fail(`Number out of range (${source})`);
    return new JsonNumber(source);
  }
}

/** An open container, or a member name waiting for its value (json4s' value stack). */
type OpenFrame =
  | { kind: 'object'; value: { [key: string]: JsonNode } }
  | { kind: 'array'; value: JsonNode[] }
  | { kind: 'member'; name: string };

/** Number token characters json4s collects once a value starts with a digit, `-` or `+`. */
const NUMBER_TOKEN = /[0-9.eE+-]*/y;
/** `java.math.BigInteger` / `java.math.BigDecimal` syntax, which decides whether json4s accepts the token. */
const INTEGER_SYNTAX = /^[+-]?\d+$/;
const DECIMAL_SYNTAX = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
/** ParserUtil refuses this one value (the JDK's old parseDouble hang). */
const BROKEN_DOUBLE = Number('2.2250738585072012e-308');

/**
 * json4s-native's JSON parser (`org.json4s.native.JsonParser` with `ParserUtil`, 3.2.11 to 3.6), for
 * text `JSON.parse` refused. It is a pull tokenizer feeding a value stack, ported as such, so it is
 * iterative and accepts exactly what upstream accepts:
 *
 * - `,` is whitespace (missing, repeated and trailing commas pass); so is a `:` outside arrays, which
 *   only switches the next string from member name to value: `{"a" 1}` passes, `{"a" "b"}` does not.
 * - Numbers: a run of `0-9 . e E + -` after a digit, `-` or `+`, read by `BigInteger`/`BigDecimal`
 *   (`+5`, `007`, `1.`, `-.5` pass; `.5` does not).
 * - Strings may hold raw control characters; an unknown escape `\q` reads as `\`.
 * - A closing bracket closes whichever container is open; after the top-level value only further
 *   top-level containers, commas and colons may follow, and the last complete one is the result.
 *
 * Differences: digits are ASCII only (Java's `Character.isDigit` takes any Unicode digit), doubles out
 * of range are refused (json4s keeps Infinity), and nesting is limited to `MAX_JSON_DEPTH`. Text without
 * a complete value (json4s' `JNothing`) is a syntax error. Errors carry `JSON.parse`'s message, except
 * the depth limit, which names itself.
 */
class Json4sDialectParser {
  private pos = 0;
  /** The tokenizer's open blocks (it decides member names and colons); closing pops either kind. */
  private readonly blocks: Array<'object' | 'array'> = [];
  private fieldNameMode = true;
  private readonly stack: OpenFrame[] = [];
  private depth = 0;
  private root: JsonNode | undefined;
  private plain = true;

  constructor(
    private readonly text: string,
    private readonly strictMessage: string,
  ) {}

  parseDocument(): { node: JsonNode; plain: boolean } {
    const text = this.text;
    while (this.pos < text.length) {
      const char = text[this.pos++]!;
      switch (char) {
        case ' ':
        case '\n':
        case '\r':
        case '\t':
        case ',':
          break;
        case '{':
          this.blocks.push('object');
          this.fieldNameMode = true;
          this.open({ kind: 'object', value: {} });
          break;
        case '[':
          this.blocks.push('array');
          this.open({ kind: 'array', value: [] });
          break;
        case '}':
        case ']':
          if (char === ']') this.fieldNameMode = true;
          this.blocks.pop();
          this.close();
          break;
        case ':':
          if (this.blocks.at(-1) === 'array') this.fail();
          this.fieldNameMode = false;
          break;
        case '"': {
          const value = this.readString();
          if (this.fieldNameMode && this.blocks.at(-1) === 'object') {
            this.stack.push({ kind: 'member', name: value });
          } else {
            this.fieldNameMode = true;
            this.addValue(value);
          }
          break;
        }
        case 't':
          this.addValue(this.literal('rue', true));
          break;
        case 'f':
          this.addValue(this.literal('alse', false));
          break;
        case 'n':
          this.addValue(this.literal('ull', null));
          break;
        default:
          if ((char >= '0' && char <= '9') || char === '-' || char === '+') this.addValue(this.readNumber());
          else this.fail();
      }
    }
    if (this.root === undefined) this.fail();
    return { node: this.root, plain: this.plain };
  }

  private fail(): never {
    throw new JsonSyntaxError(this.strictMessage);
  }

  private open(frame: OpenFrame): void {
    if (++this.depth > MAX_JSON_DEPTH) throw new JsonSyntaxError(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
    this.stack.push(frame);
  }

  /** A scalar: the value of the pending member, or an array element; anywhere else json4s fails. */
  private addValue(value: JsonNode): void {
    const top = this.stack.at(-1);
    if (top?.kind === 'array') {
      top.value.push(value);
    } else if (top?.kind === 'member') {
      this.stack.pop();
      const owner = this.stack.at(-1);
      if (owner?.kind !== 'object') this.fail();
      setMember(owner.value, top.name, value);
    } else {
      this.fail();
    }
  }

  /** `}` or `]`: the top frame must be a container; it becomes a member value, an element or the root. */
  private close(): void {
    const closed = this.stack.pop();
    if (closed === undefined || closed.kind === 'member') this.fail();
    this.depth--;
    const below = this.stack.at(-1);
    if (below === undefined) this.root = closed.value;
    else if (below.kind === 'array') below.value.push(closed.value);
    else if (below.kind === 'member') {
      this.stack.pop();
      const owner = this.stack.at(-1);
      if (owner?.kind !== 'object') this.fail();
      setMember(owner.value, below.name, closed.value);
    } else this.fail();
  }

  private literal<T extends JsonNode>(rest: string, value: T): T {
    this.fieldNameMode = true;
    if (!this.text.startsWith(rest, this.pos)) this.fail();
    this.pos += rest.length;
    return value;
  }

  private readNumber(): JsonNode {
    this.fieldNameMode = true;
    const start = this.pos - 1;
    NUMBER_TOKEN.lastIndex = this.pos;
    NUMBER_TOKEN.exec(this.text);
    this.pos = NUMBER_TOKEN.lastIndex;
    const token = this.text.slice(start, this.pos);
    if (!/[.eE]/.test(token)) {
      if (!INTEGER_SYNTAX.test(token)) this.fail();
      const value = Number(token);
      if (Number.isSafeInteger(value)) return value === 0 ? 0 : value;
      this.plain = false;
      return new JsonNumber(BigInt(token).toString());
    }
    if (!DECIMAL_SYNTAX.test(token)) this.fail();
    const value = Number(token);
    if (!Number.isFinite(value) || value === BROKEN_DOUBLE) this.fail();
    this.plain = false;
    return new JsonNumber(token);
  }

  /** After the opening quote, up to the closing one (ParserUtil.unquote). */
  private readString(): string {
    const text = this.text;
    let result = '';
    let chunkStart = this.pos;
    for (;;) {
      if (this.pos >= text.length) this.fail();
      const char = text[this.pos++]!;
      if (char === '"') return result + text.slice(chunkStart, this.pos - 1);
      if (char !== '\\') continue;
      result += text.slice(chunkStart, this.pos - 1);
      if (this.pos >= text.length) this.fail();
      const escape = text[this.pos++]!;
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
          // Integer.parseInt(_, 16) of the next four characters: a sign is allowed, a negative code is not.
          const digits = text.slice(this.pos, this.pos + 4);
          if (digits.length < 4 || !/^[+-]?[0-9a-fA-F]+$/.test(digits)) this.fail();
          const code = parseInt(digits, 16);
          if (code < 0) this.fail();
          result += String.fromCharCode(code);
          this.pos += 4;
          break;
        }
        default:
          result += '\\'; // json4s keeps the backslash and drops the escaped character
      }
      chunkStart = this.pos;
    }
  }
}
