import { Transform, type TransformCallback } from 'node:stream';

/**
 * Heroku-style build output: `-----> Topic`, 7-space indented detail, ` !     ` errors on stderr.
 * Every buildpack phase and CLI command that reports progress to a person writes through here.
 */
export const TOPIC_PREFIX = '-----> ';
export const DETAIL_PREFIX = '       ';
export const ERROR_PREFIX = ' !     ';

export interface Output {
  topic(message: string): void;
  detail(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export function createOutput(
  stdout: NodeJS.WritableStream = process.stdout,
  stderr: NodeJS.WritableStream = process.stderr,
): Output {
  const lines = (prefix: string, message: string) =>
    message
      .split('\n')
      .map((line) => `${prefix}${line}`.trimEnd())
      .join('\n') + '\n';
  return {
    topic: (message) => stdout.write(lines(TOPIC_PREFIX, message)),
    detail: (message) => stdout.write(lines(DETAIL_PREFIX, message)),
    warn: (message) => stderr.write(lines(ERROR_PREFIX, `Warning: ${message}`)),
    error: (message) => stderr.write(lines(ERROR_PREFIX, message)),
  };
}

/** A line-buffered transform that indents every line of a child's output by 7 spaces. */
export function indentStream(prefix: string = DETAIL_PREFIX): Transform {
  let pending = '';
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      const text = pending + chunk.toString('utf8');
      const parts = text.split('\n');
      pending = parts.pop() ?? '';
      callback(null, parts.map((line) => `${prefix}${line}\n`).join(''));
    },
    flush(callback: TransformCallback) {
      callback(null, pending ? `${prefix}${pending}\n` : '');
    },
  });
}
