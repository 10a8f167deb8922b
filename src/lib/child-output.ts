import { StringDecoder } from 'node:string_decoder';
import { Transform, Writable, type Readable, type TransformCallback } from 'node:stream';

/**
 * The one way child-process output is handled: chunks become complete lines (LF or CRLF, a UTF-8
 * character split across chunks stays whole), each line optionally masked and prefixed, and a bounded
 * tail of lines is kept for a failure message.
 */

export interface LineOptions {
  /** Masks a line before anyone sees it (e.g. `(line) => redactSecrets(line, secrets)`). */
  redact?: ((line: string) => string) | undefined;
  /** Sees every (masked) line. */
  onLine?: ((line: string) => void) | undefined;
}

export interface LineSplitter {
  write(chunk: Buffer | string): void;
  /** Hands over the last line when the stream did not end with a newline. */
  end(): void;
}

/** Complete lines out of a stream of chunks; the line break (`\n` or `\r\n`) is not part of a line. */
export function splitLines(onLine: (line: string) => void, options: Pick<LineOptions, 'redact'> = {}): LineSplitter {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  const emit = (line: string) => onLine(options.redact ? options.redact(line) : line);
  return {
    write(chunk) {
      const parts = (pending + (typeof chunk === 'string' ? chunk : decoder.write(chunk))).split('\n');
      pending = parts.pop() ?? '';
      for (const part of parts) emit(part.endsWith('\r') ? part.slice(0, -1) : part);
    },
    end() {
      const rest = pending + decoder.end();
      pending = '';
      if (rest) emit(rest.endsWith('\r') ? rest.slice(0, -1) : rest);
    },
  };
}

/** Calls `onLine` for every line of a readable (a child's stdout or stderr). */
export function readLines(input: Readable, onLine: (line: string) => void): void {
  const lines = splitLines(onLine);
  input.on('data', (chunk: Buffer | string) => lines.write(chunk));
  input.once('end', () => lines.end());
}

/** A writable that hands over complete lines, for APIs that want a stream to write a child's output to. */
export function lineWritable(onLine: (line: string) => void, options: Pick<LineOptions, 'redact'> = {}): Writable {
  const lines = splitLines(onLine, options);
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.write(chunk);
      callback();
    },
    final(callback) {
      lines.end();
      callback();
    },
  });
}

/** A transform that re-emits every line (masked, then `prefix`ed) terminated by `\n`. */
export function lineTransform(options: LineOptions & { prefix?: string } = {}): Transform {
  const prefix = options.prefix ?? '';
  let out: string[] = [];
  const lines = splitLines(
    (line) => {
      options.onLine?.(line);
      out.push(`${prefix}${line}\n`);
    },
    { redact: options.redact },
  );
  const take = () => {
    const text = out.join('');
    out = [];
    return text;
  };
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      lines.write(chunk);
      callback(null, take());
    },
    flush(callback: TransformCallback) {
      lines.end();
      callback(null, take());
    },
  });
}

export interface LineTail {
  push(line: string): void;
  /** The kept lines, oldest first (a copy). */
  lines(): string[];
}

/** Keeps the last `limit` lines of an output, for the message shown when its process fails. */
export function createTail(limit: number): LineTail {
  const kept: string[] = [];
  return {
    push(line) {
      kept.push(line);
      if (kept.length > limit) kept.shift();
    },
    lines: () => [...kept],
  };
}

/** The last `limit` lines of a text (a log file read after its process failed), trailing newlines ignored. */
export function lastLines(text: string, limit: number): string {
  return text.trimEnd().split(/\r?\n/).slice(-limit).join('\n');
}
