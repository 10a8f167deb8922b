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
