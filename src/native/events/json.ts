import { javaDoubleToString } from '../../lib/java-number.js';
import type { JsonObject, JsonValue } from '../storage/index.js';
import { jsonLimitExceeded } from './json-limits.js';

/**
 * JSON the way PredictionIO's json4s sees it (spec §0.2): integers and doubles are distinct, integers
 * keep full precision, doubles re-render with Java's `Double.toString` (`5.0`, `1.0E-4`). `JSON.parse`
 * loses both distinctions, so numbers it cannot represent faithfully are kept as `JsonNumber` tokens.
 *
 * `parseJson` is fast in the common case: the text goes through `JSON.parse`, and only when a cheap scan
 * finds a number token with a fraction, an exponent or 16+ digits is it re-parsed losslessly.
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

export function parseJson(text: string): JsonNode {
  return parseJsonTracked(text).node;
}

/** `parseJson`, also telling whether the tree is plain (holds no `JsonNumber`), which saves a walk. */
export function parseJsonTracked(text: string): { node: JsonNode; plain: boolean } {
  const excess = jsonLimitExceeded(text);
  if (excess !== undefined) throw new JsonSyntaxError(excess);
  let node: JsonNode;
  try {
    node = JSON.parse(text) as JsonNode;
  } catch (error) {
    throw new JsonSyntaxError((error as Error).message);
  }
  if (!mayHoldUnfaithfulNumber(text)) return { node, plain: true };
  node = new LosslessParser(text).parseDocument();
  return { node, plain: isPlain(node) };
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
